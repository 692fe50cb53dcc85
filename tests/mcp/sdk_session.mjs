// SPDX-License-Identifier: MIT
// sdk_session.mjs - an agent session through the official MCP TypeScript SDK
// (@modelcontextprotocol/sdk) against a real fastio-server: over Streamable HTTP (/mcp) and
// over the legacy HTTP+SSE transport (/sse). Sign up and sign in through the auth tool, create
// an org and a workspace, upload text, turn the workspace's intelligence on (workspace update),
// upload a file with a distinctive sentence and wait (bounded) until storage details says it is
// indexed; then on both transports: list, find the file by a word of its content (storage
// search), ask the ai tool about it (the answer must cite the file), lock, write a new version under the
// lock, release, read it back, read resources; progress notifications arrive for a call that
// asks for them.
// usage: node sdk_session.mjs http://127.0.0.1:PORT
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { askCitesFact, factSentence, finish, ok, searchFindsFact, stamp, step, waitIndexed } from "./sdk_lib.mjs";

const base = process.argv[2];
if (!base) {
  console.error("usage: node sdk_session.mjs http://127.0.0.1:PORT");
  process.exit(2);
}
const email = `sdk-${stamp}@example.com`;
const password = "correct horse battery staple";
const state = {};

async function namedSession(transport, label, first) {
  const client = new Client({ name: `fastio-sdk-test-${label}`, version: "1.0.0" });
  await step(`${label}: connect + initialize`, async () => {
    await client.connect(transport);
    const v = client.getServerVersion();
    assert.equal(v.name, "fastio-server");
  });
  await step(`${label}: tools/list has the named-mode tools`, async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ["auth", "org", "workspace", "storage", "upload", "download"])
      assert.ok(names.includes(n), `tool ${n}`);
    const storage = tools.find((t) => t.name === "storage");
    assert.ok(storage.inputSchema.properties.action.enum.includes("lock-acquire"));
    assert.equal(storage.annotations.destructiveHint, true);
  });
  if (first) {
    await step(`${label}: auth signup + signin`, async () => {
      await ok(client, "auth", { action: "signup", email_address: email, password, tos_agree: true });
      const s = await ok(client, "auth", { action: "signin", email, password });
      assert.equal(s.signed_in, true);
      state.user = s.user_id;
    });
    await step(`${label}: create org and workspace`, async () => {
      const o = await ok(client, "org", { action: "create", domain: `sdk-${stamp}`, name: "SDK Org" });
      state.org = o.org.id;
      const w = await ok(client, "workspace", {
        action: "create", org_id: state.org, name: "SDK Workspace", folder_name: `sdkws-${stamp}`,
        intelligence: false, perm_join: "Member or above", perm_member_manage: "Member or above",
      });
      state.ws = w.workspace.id;
    });
    await step(`${label}: upload text (with progress notifications)`, async () => {
      const progress = [];
      const u = await ok(client, "upload", {
        action: "text", workspace_id: state.ws, name: "notes.md", content: "# first\n",
      }, { onprogress: (p) => progress.push(p) });
      state.node = u.new_file_id;
      assert.ok(state.node);
      assert.ok(progress.length >= 1, "progress notifications received");
    });
    await step(`${label}: live progress and log lines before the result (3 MiB upload)`, async () => {
      const logs = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
      await client.setLoggingLevel("debug");
      const progress = [];
      let resultAt = -1;
      const p = ok(client, "upload", {
        action: "text", workspace_id: state.ws, name: "big.txt", content: "z".repeat(3 * 1024 * 1024),
      }, { onprogress: (x) => progress.push(x) }).then((r) => { resultAt = progress.length; return r; });
      const u = await p;
      assert.ok(u.new_file_id);
      assert.ok(progress.length > 1, `more than one progress notification (${progress.length})`);
      assert.equal(resultAt, progress.length, "every progress notification came before the result");
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress > progress[i - 1].progress);
      assert.equal(progress[progress.length - 1].progress, 3 * 1024 * 1024);
      assert.ok(logs.some((l) => /big\.txt/.test(String(l.data))), "log lines for the upload");
      await client.setLoggingLevel("emergency"); // quiet again for the steps below
    });
    await step(`${label}: event activity-poll waits, reporting progress, until a change`, async () => {
      const c0 = await ok(client, "event", { action: "activity-poll", entity_id: state.ws });
      const progress = [];
      let changed;
      const first = new Promise((resolve) => { changed = resolve; });
      const poll = ok(client, "event", {
        action: "activity-poll", entity_id: state.ws, wait: 60, lastactivity: c0.lastactivity,
      }, { onprogress: (x) => { progress.push(x); changed(); }, timeout: 90000 });
      await first; // the call reports that it is waiting
      await ok(client, "upload", { action: "text", workspace_id: state.ws, name: "wake.txt", content: "!" });
      const r = await poll;
      assert.ok(progress.length >= 1);
      assert.ok(r.activity.length > 0, "the change is reported");
    });
    await step(`${label}: intelligence on, upload a fact, wait until it is indexed`, async () => {
      const w = await ok(client, "workspace", { action: "update", workspace_id: state.ws, intelligence: true });
      assert.ok(w.workspace.intelligence === true || w.workspace.intelligence === 1,
                `intelligence on: ${JSON.stringify(w.workspace.intelligence)}`);
      const u = await ok(client, "upload", {
        action: "text", workspace_id: state.ws, name: "facts.txt", content: `${factSentence}\n`,
      });
      state.fact = u.new_file_id;
      assert.ok(state.fact);
      await waitIndexed(client, state.ws, state.fact);
    });
  } else {
    await step(`${label}: auth signin`, async () => {
      const s = await ok(client, "auth", { action: "signin", email, password });
      assert.equal(s.user_id, state.user);
    });
  }
  await step(`${label}: storage list shows the file`, async () => {
    const l = await ok(client, "storage", { action: "list", workspace_id: state.ws, folder_id: "root" });
    assert.ok(l.nodes.some((n) => n.id === state.node && n.name === "notes.md"));
  });
  await step(`${label}: storage search finds the file by a word of its content`, async () => {
    await searchFindsFact(client, state.ws, state.fact, state.node);
  });
  await step(`${label}: ai ask about the fact cites the file`, async () => {
    await askCitesFact(client, state.ws, state.fact);
  });
  await step(`${label}: lock, write under the lock, release`, async () => {
    const a = await ok(client, "storage", { action: "lock-acquire", workspace_id: state.ws, node_id: state.node });
    const token = a.lock.lock_token;
    assert.ok(token);
    const st = await ok(client, "storage", { action: "lock-status", workspace_id: state.ws, node_id: state.node });
    assert.equal(st.lock.locked, true);
    const text = `# ${label}\n`;
    await ok(client, "upload", {
      action: "text", workspace_id: state.ws, name: "notes.md", content: text,
      file_id: state.node, lock_token: token,
    });
    await ok(client, "storage", { action: "lock-release", workspace_id: state.ws, node_id: state.node, lock_token: token });
    const after = await ok(client, "storage", { action: "lock-status", workspace_id: state.ws, node_id: state.node });
    assert.equal(after.lock.locked, false);
    const r = await ok(client, "download", { action: "read", workspace_id: state.ws, node_id: state.node });
    assert.equal(r.content, text);
  });
  await step(`${label}: destructive action needs confirm`, async () => {
    const r = await client.callTool({ name: "storage", arguments: { action: "purge", workspace_id: state.ws, node_id: state.node } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /confirm/);
  });
  await step(`${label}: resources`, async () => {
    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === "skill://guide"));
    const g = await client.readResource({ uri: "skill://guide" });
    assert.match(g.contents[0].text, /lock-acquire/);
    const s = await client.readResource({ uri: "session://status" });
    assert.equal(JSON.parse(s.contents[0].text).authenticated, true);
    const f = await client.readResource({ uri: `download://workspace/${state.ws}/${state.node}` });
    assert.equal(f.contents[0].text, `# ${label}\n`);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.ok(resourceTemplates.some((t) => t.uriTemplate === "download://workspace/{ws}/{node}"));
  });
  await step(`${label}: sign out ends access`, async () => {
    await ok(client, "auth", { action: "signout" });
    const r = await client.callTool({ name: "org", arguments: { action: "list" } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /auth/);
  });
  if (transport.terminateSession) await transport.terminateSession();
  await client.close();
}

await namedSession(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)), "streamable-http", true);
await namedSession(new SSEClientTransport(new URL(`${base}/sse`)), "sse", false);

finish();
