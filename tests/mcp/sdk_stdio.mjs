// SPDX-License-Identifier: MIT
// sdk_stdio.mjs - the official MCP TypeScript SDK (@modelcontextprotocol/sdk, StdioClientTransport)
// drives `fastio mcp`, the CLI's stdio MCP server, which executes the tools through libfastio
// against a real fastio-server: sign in with an API key through the auth tool, create an org and
// a workspace with intelligence on, upload text, list (under the official CLI's tool name
// `files`), upload a file with a distinctive sentence and wait (bounded) until storage details
// says it is indexed, find it by a word of its content (storage search), ask the ai tool about it
// (the answer must cite the file), lock (`lock` alias), see the lock, release it, read the
// session resource.
// usage: node sdk_stdio.mjs FASTIO_CLI_BIN API_BASE API_KEY
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [cli, apiBase, apiKey] = process.argv.slice(2);
if (!cli || !apiBase || !apiKey) {
  console.error("usage: node sdk_stdio.mjs FASTIO_CLI_BIN API_BASE API_KEY");
  process.exit(2);
}
let passed = 0;
let failed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

async function ok(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name} ${args.action}: ${r.content?.[0]?.text}`);
  assert.equal(r.content[0].type, "text");
  assert.ok(r.structuredContent, "structuredContent present");
  return r.structuredContent;
}

// No token in the child's environment or profile: it must sign in through the auth tool.
const env = { PATH: process.env.PATH, HOME: process.env.SDK_HOME, XDG_CONFIG_HOME: process.env.SDK_HOME,
              XDG_DATA_HOME: process.env.SDK_HOME };
const transport = new StdioClientTransport({ command: cli, args: ["--api-base", apiBase, "mcp"], env,
                                             stderr: "inherit" });
const client = new Client({ name: "fastio-sdk-stdio-test", version: "1.0.0" });
const stamp = `${process.pid}${Date.now() % 100000}`;
const s = {};
// The word is in the file's content, not its name (search matches names only without intelligence).
const factWord = `quillimane${stamp}`;
const factSentence = `The heron ${factWord} counts seventeen amber lanterns on the harbour wall every winter.`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await step("connect + initialize", async () => {
  await client.connect(transport);
  assert.equal(client.getServerVersion().name, "fastio-cli");
});
await step("tools/list: the catalogue of /mcp", async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const n of ["auth", "org", "workspace", "storage", "upload"]) assert.ok(names.includes(n), n);
});
await step("before sign-in: a tool error that says to sign in", async () => {
  const r = await client.callTool({ name: "org", arguments: { action: "list" } });
  assert.equal(r.isError, true);
});
await step("auth set-api-key", async () => {
  const r = await ok(client, "auth", { action: "set-api-key", api_key: apiKey });
  assert.equal(r.signed_in, true);
  const st = await ok(client, "auth", { action: "status" });
  assert.equal(st.authenticated, true);
});
await step("org create + workspace create", async () => {
  const org = await ok(client, "org", { action: "create", domain: `sdkstdio${stamp}`, name: "SDK stdio" });
  assert.ok(org.org.id);
  const ws = await ok(client, "workspace", {
    action: "create", org_id: org.org.id, folder_name: `sdk-stdio-${stamp}`, name: "SDK stdio ws",
    intelligence: true, perm_join: "Member or above", perm_member_manage: "Member or above",
  });
  assert.ok(ws.workspace.id);
  assert.ok(ws.workspace.intelligence === true || ws.workspace.intelligence === 1,
            `intelligence on: ${JSON.stringify(ws.workspace.intelligence)}`);
  s.ws = ws.workspace.id;
});
await step("upload text", async () => {
  const r = await ok(client, "upload", { action: "text", workspace_id: s.ws, name: "notes.txt",
                                          content: "written by the SDK over stdio" });
  assert.ok(r.new_file_id);
  s.node = r.new_file_id;
});
await step("files list (alias of storage) shows it", async () => {
  const r = await client.callTool({ name: "files", arguments: { action: "list", workspace_id: s.ws, folder_id: "root" } });
  assert.ok(!r.isError, r.content?.[0]?.text);
  assert.ok(JSON.stringify(r).includes("notes.txt"));
});
await step("upload a fact and wait (at most 100 polls, about 20 s) until it is indexed", async () => {
  const r = await ok(client, "upload", { action: "text", workspace_id: s.ws, name: "facts.txt",
                                          content: `${factSentence}\n` });
  s.fact = r.new_file_id;
  assert.ok(s.fact);
  let st;
  for (let i = 0; i < 100 && st !== "indexed"; i++) {
    if (i > 0) await sleep(200);
    const d = await ok(client, "storage", { action: "details", workspace_id: s.ws, node_id: s.fact });
    st = d.node?.ai?.state;
    assert.ok(st !== "failed" && st !== "disabled", `ai.state ${st}: ${JSON.stringify(d.node?.ai)}`);
  }
  assert.equal(st, "indexed", "indexed within 100 polls");
});
await step("storage search finds the file by a word of its content", async () => {
  const r = await ok(client, "storage", { action: "search", workspace_id: s.ws, search: factWord });
  assert.equal(r.search_metadata.mode, "content", JSON.stringify(r.search_metadata));
  assert.ok(r.files[s.fact], `hit ${s.fact} in ${JSON.stringify(Object.keys(r.files))}`);
  assert.equal(r.files[s.fact].name, "facts.txt");
  assert.match(r.files[s.fact].content_snippet, /amber lanterns/);
  assert.ok(!r.files[s.node], "notes.txt does not contain the word");
});
await step("ai ask about the fact cites the file", async () => {
  const a = await ok(client, "ai", { action: "ask", workspace_id: s.ws,
                                     question: `How many amber lanterns does the heron ${factWord} count?` });
  assert.equal(a.state, "complete", JSON.stringify(a));
  assert.ok(Array.isArray(a.citations), "citations array");
  assert.ok(a.citations.some((c) => c.nodeId === s.fact), `cites ${s.fact}: ${JSON.stringify(a.citations)}`);
  assert.match(a.answer_text, /seventeen amber lanterns/);
});
await step("lock acquire (alias) + status + release", async () => {
  const l = await ok(client, "lock", { action: "acquire", workspace_id: s.ws, node_id: s.node });
  assert.ok(l.lock.lock_token);
  const st = await ok(client, "storage", { action: "lock-status", workspace_id: s.ws, node_id: s.node });
  assert.equal(st.lock.locked, true);
  await ok(client, "lock", { action: "release", workspace_id: s.ws, node_id: s.node, lock_token: l.lock.lock_token });
  const st2 = await ok(client, "storage", { action: "lock-status", workspace_id: s.ws, node_id: s.node });
  assert.equal(st2.lock.locked, false);
});
await step("resources: session://status", async () => {
  const r = await client.readResource({ uri: "session://status" });
  assert.ok(r.contents[0].text.includes("authenticated"));
});
await step("describe answers without a call", async () => {
  const r = await ok(client, "storage", { action: "describe" });
  assert.ok(JSON.stringify(r).includes("lock-acquire"));
});
await client.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
