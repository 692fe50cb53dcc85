// SPDX-License-Identifier: MIT
// sdk_lib.mjs - what the official-SDK sessions (sdk_session.mjs over HTTP, sdk_stdio.mjs over
// stdio) share: named steps with a pass/fail tally, a tool call that must succeed, the fact file
// the search and ai steps look for, a bounded wait until a node is indexed, and the checks that
// search finds the fact by a word of its content and the ai tool cites it.
import assert from "node:assert/strict";

let passed = 0;
let failed = 0;

// Run one named step; a failure is reported and counted, the session goes on.
export async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

// Print the tally and exit: 0 only when every step passed and there was at least one.
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

// A tool call that must succeed; returns structuredContent.
export async function ok(client, name, args, extra) {
  const r = await client.callTool({ name, arguments: args }, undefined, extra);
  if (r.isError) throw new Error(`${name} ${args.action}: ${r.content?.[0]?.text}`);
  assert.equal(r.content[0].type, "text");
  assert.ok(r.content[0].text.length > 0, "markdown text present");
  assert.ok(r.structuredContent, "structuredContent present");
  return r.structuredContent;
}

export const stamp = `${process.pid}${Date.now() % 100000}`;
// The file the search and ai steps look for: the word is in its content, not in its name (with
// intelligence off, search matches names only).
export const factWord = `quillimane${stamp}`;
export const factSentence = `The heron ${factWord} counts seventeen amber lanterns on the harbour wall every winter.`;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Bounded wait (at most 100 polls, about 20 s) until storage details says the node is indexed.
export async function waitIndexed(client, ws, node) {
  let st;
  for (let i = 0; i < 100; i++) {
    const d = await ok(client, "storage", { action: "details", workspace_id: ws, node_id: node });
    st = d.node?.ai?.state;
    if (st === "indexed") return;
    assert.ok(st !== "failed" && st !== "disabled", `ai.state ${st}: ${JSON.stringify(d.node?.ai)}`);
    await sleep(200);
  }
  throw new Error(`node ${node} not indexed after 100 polls (ai.state ${st})`);
}

// storage search for factWord in ws finds the fact file (facts.txt) with a snippet, not other.
export async function searchFindsFact(client, ws, fact, other) {
  const r = await ok(client, "storage", { action: "search", workspace_id: ws, search: factWord });
  assert.equal(r.search_metadata.mode, "content", JSON.stringify(r.search_metadata));
  assert.ok(r.files[fact], `hit ${fact} in ${JSON.stringify(Object.keys(r.files))}`);
  assert.equal(r.files[fact].name, "facts.txt");
  assert.match(r.files[fact].content_snippet, /amber lanterns/);
  assert.ok(!r.files[other], "the other file does not contain the word");
}

// The ai tool asked about the fact answers from it and cites the fact file.
export async function askCitesFact(client, ws, fact) {
  const a = await ok(client, "ai", {
    action: "ask", workspace_id: ws,
    question: `How many amber lanterns does the heron ${factWord} count?`,
  });
  assert.equal(a.state, "complete", JSON.stringify(a));
  assert.ok(Array.isArray(a.citations), "citations array");
  assert.ok(a.citations.some((c) => c.nodeId === fact), `cites ${fact}: ${JSON.stringify(a.citations)}`);
  assert.match(a.answer_text, /seventeen amber lanterns/);
}
