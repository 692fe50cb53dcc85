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
import { askCitesFact, factSentence, finish, ok, searchFindsFact, stamp, step, waitIndexed } from "./sdk_lib.mjs";

const [cli, apiBase, apiKey] = process.argv.slice(2);
if (!cli || !apiBase || !apiKey) {
  console.error("usage: node sdk_stdio.mjs FASTIO_CLI_BIN API_BASE API_KEY");
  process.exit(2);
}
// No token in the child's environment or profile: it must sign in through the auth tool.
const env = { PATH: process.env.PATH, HOME: process.env.SDK_HOME, XDG_CONFIG_HOME: process.env.SDK_HOME,
              XDG_DATA_HOME: process.env.SDK_HOME };
const transport = new StdioClientTransport({ command: cli, args: ["--api-base", apiBase, "mcp"], env,
                                             stderr: "inherit" });
const client = new Client({ name: "fastio-sdk-stdio-test", version: "1.0.0" });
const s = {};

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
  await waitIndexed(client, s.ws, s.fact);
});
await step("storage search finds the file by a word of its content", async () => {
  await searchFindsFact(client, s.ws, s.fact, s.node);
});
await step("ai ask about the fact cites the file", async () => {
  await askCitesFact(client, s.ws, s.fact);
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
finish();
