// SPDX-License-Identifier: MIT
// mcp_bench.mjs - MCP measurements of fastio-server (issue 14), never a test: the round trip of
// a tools/call (storage list) against the same REST call (GET .../storage/root/list/) in the
// same run, interleaved, over keep-alive connections; then N concurrent MCP sessions each doing
// initialize + tools/call, and the server's memory per idle session (VmRSS before and after).
// usage: node mcp_bench.mjs BASE_URL TOKEN WORKSPACE SERVER_PID [CALLS] [SESSIONS]
const [base, token, ws, pid, callsArg, sessArg] = process.argv.slice(2);
const CALLS = Number(callsArg || 2000);
const SESSIONS = Number(sessArg || 100);
import { readFileSync } from "node:fs";

const auth = { Authorization: `Bearer ${token}` };
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

async function mcpSession() {
  const r = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } } }),
  });
  await r.text();
  return r.headers.get("mcp-session-id");
}

async function mcpCall(sid, id) {
  const r = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json", Accept: "application/json, text/event-stream", "Mcp-Session-Id": sid },
    body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call",
      params: { name: "storage", arguments: { action: "list", workspace_id: ws, folder_id: "root" } } }),
  });
  const j = await r.json();
  if (!j.result || j.result.isError) throw new Error(JSON.stringify(j).slice(0, 300));
}

async function restCall() {
  const r = await fetch(`${base}/current/workspace/${ws}/storage/root/list/`, { headers: auth });
  const j = await r.json();
  if (!j.result) throw new Error(JSON.stringify(j).slice(0, 300));
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const p99 = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length * 0.99)]; };

const sid = await mcpSession();
for (let i = 0; i < 100; i++) { await restCall(); await mcpCall(sid, i); } // warm-up
const rest = [], mcp = [];
for (let i = 0; i < CALLS; i++) {
  let t = performance.now(); await restCall(); rest.push(performance.now() - t);
  t = performance.now(); await mcpCall(sid, i); mcp.push(performance.now() - t);
}
console.log(`round trip, ${CALLS} calls each, interleaved (ms): REST median ${median(rest).toFixed(3)} p99 ${p99(rest).toFixed(3)}; MCP tools/call median ${median(mcp).toFixed(3)} p99 ${p99(mcp).toFixed(3)}; ratio ${(median(mcp) / median(rest)).toFixed(2)}`);

let before = rss();
const t0 = performance.now();
const sids = await Promise.all(Array.from({ length: SESSIONS }, () => mcpSession()));
await Promise.all(sids.map((s, i) => mcpCall(s, i)));
const t1 = performance.now();
console.log(`${SESSIONS} concurrent sessions (initialize + one tools/call each, one connection each): ${(t1 - t0).toFixed(0)} ms; server RSS ${before} -> ${rss()} KiB (libmicrohttpd keeps a memory pool per open connection)`);

// Latency under load: the SESSIONS sessions stay open and each runs PER calls back to back, all
// at once; the reference is the same REST call from SESSIONS concurrent loops in the same run.
const PER = Math.max(10, Math.floor(CALLS / SESSIONS) * 2);
async function loop(fn) { const lat = []; for (let i = 0; i < PER; i++) { const t = performance.now(); await fn(i); lat.push(performance.now() - t); } return lat; }
const restLoad = (await Promise.all(sids.map(() => loop(() => restCall())))).flat();
const tl0 = performance.now();
const mcpLoad = (await Promise.all(sids.map((s) => loop((i) => mcpCall(s, i + 1000))))).flat();
const tl1 = performance.now();
console.log(`tools/call with ${SESSIONS} sessions open, ${SESSIONS} concurrent callers x ${PER} calls (ms): MCP p50 ${median(mcpLoad).toFixed(2)} p99 ${p99(mcpLoad).toFixed(2)} (${(mcpLoad.length / ((tl1 - tl0) / 1000)).toFixed(0)} calls/s); REST same load p50 ${median(restLoad).toFixed(2)} p99 ${p99(restLoad).toFixed(2)}; ratio p50 ${(median(mcpLoad) / median(restLoad)).toFixed(2)}, p99 ${(p99(mcpLoad) / p99(restLoad)).toFixed(2)}`);

// Memory per idle session: many sessions opened one after another on one connection.
const IDLE = 1000;
before = rss();
for (let i = 0; i < IDLE; i++) await mcpSession();
const after = rss();
console.log(`${IDLE} idle sessions opened in sequence: server RSS ${before} -> ${after} KiB, ${((after - before) / IDLE).toFixed(2)} KiB per idle session`);
