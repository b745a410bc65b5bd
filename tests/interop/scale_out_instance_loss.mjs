// Instance loss: three everything_server instances on one Redis behind a
// round-robin balancer with no affinity (nginx). Sessions of the official
// TypeScript SDK client call tools without pause; one instance is killed
// with SIGKILL in the middle of the run. No session may be lost: each one
// goes on through the other instances. Requests that were in flight on the
// dead instance fail with an HTTP error the client can retry (counted and
// reported); retried, they succeed. Afterwards every session ends with
// DELETE and nothing of it is left in Redis.
// Usage: node scale_out_instance_loss.mjs <everything_server>
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

import { balancedEverything } from "./processes.mjs";

const [server] = process.argv.slice(2);
if (!server) throw new Error("usage: scale_out_instance_loss.mjs <everything_server>");

const SESSIONS = 12;
const children = [];
const dir = mkdtempSync(join(tmpdir(), "polymcp-loss-"));
after(() => {
  for (const c of children) c.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("");

test("SIGKILL of one instance of three loses no session", async () => {
  const { url, instances, redisPort } = await balancedEverything(children, server, 3, join(dir, "fernet.key"), ["--quiet"]);

  const sessions = [];
  for (let i = 0; i < SESSIONS; ++i) {
    const client = new Client({ name: `loss-${i}`, version: "1" }, { capabilities: {} });
    const transport = new StreamableHTTPClientTransport(url);
    await client.connect(transport);
    const s = { client, transport, id: transport.sessionId, calls: 0, failed: [], lost: null, errors: [] };
    client.onerror = (e) => s.errors.push(String(e?.message ?? e));  // the transport's, such as a failed resume
    sessions.push(s);
  }

  let killed = false;
  let stop = false;
  // One call: a short one, or one that runs 100 ms (so that some are in
  // flight when the instance dies). A failure is retried once, as a client
  // that got a 502 or a reset would.
  async function call(s, n) {
    const name = n % 3 === 0 ? "test_tool_with_progress" : "test_simple_text";
    for (let attempt = 0; attempt < 2; ++attempt) {
      try {
        // With a progress callback the long call's answer is an SSE stream
        // from its first progress on: killed then, the client resumes it on
        // another instance, which answers with an error for it once the dead
        // instance has been silent for its instance_ttl (5 s).
        const r = await s.client.callTool({ name, arguments: {} }, undefined, { onprogress: () => {} });
        assert.ok(text(r).length > 0);
        ++s.calls;
        return;
      } catch (e) {
        s.failed.push({ killed, message: String(e?.message ?? e) });
        if (/404|Session not found/.test(String(e?.message))) s.lost = String(e.message);
      }
    }
  }
  const runs = sessions.map(async (s) => {
    for (let n = 0; !stop; ++n) await call(s, n);
  });

  await sleep(1500);
  instances[1].child.kill("SIGKILL");
  killed = true;
  await sleep(2000);
  stop = true;
  await Promise.all(runs);

  const total = sessions.reduce((n, s) => n + s.calls, 0);
  const failures = sessions.flatMap((s) => s.failed);
  const before = failures.filter((f) => !f.killed);
  const streamed = failures.filter((f) => /stopped before it answered/.test(f.message)).length;
  console.log(`instance loss: ${SESSIONS} sessions, ${total} calls answered, ${failures.length} attempts failed ` +
    `(${streamed} of them streams resumed elsewhere, ${before.length} before the kill), ` +
    `${sessions.filter((s) => s.lost).length} sessions lost`);
  for (const f of failures.slice(0, 5)) console.log(`  failed attempt: ${f.message}`);
  for (const e of sessions.flatMap((s) => s.errors).slice(0, 5)) console.log(`  transport error: ${e}`);

  // No session lost, nothing failed before the kill, and every session
  // still answers now, through the two instances left.
  assert.deepEqual(sessions.filter((s) => s.lost).map((s) => s.lost), []);
  assert.deepEqual(before, []);
  // Each failure says what happened: the balancer's 502 for a request whose
  // answer had not begun, the server's error for one whose stream had.
  for (const f of failures) assert.match(f.message, /HTTP 502|502 Bad Gateway|stopped before it answered/);
  for (const s of sessions) {
    assert.ok(s.calls > 0);
    assert.equal(text(await s.client.callTool({ name: "test_simple_text", arguments: {} })),
      "This is a simple text response for testing.");
  }

  // Ended with DELETE, each session leaves nothing in Redis.
  for (const s of sessions) {
    await s.transport.terminateSession();
    await s.client.close();
  }
  const left = execFileSync("redis-cli", ["-p", String(redisPort), "--scan", "--pattern", "polymcp:mcp_session:*"])
    .toString()
    .trim();
  assert.equal(left, "");
});
