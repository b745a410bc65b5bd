// Interop: the official MCP TypeScript SDK clients, v1 (@modelcontextprotocol/sdk)
// and v2 (@modelcontextprotocol/client), pinned in package.json, drive polymcp's
// everything_server over Streamable HTTP, with no workaround on either side.
// Usage: node ts_sdk_client_http.mjs <path-to-everything_server> v1|v2 [--balanced] [server options...]
// (with --tls-cert/--tls-key the server speaks HTTPS; give node the certificate
// through NODE_EXTRA_CA_CERTS). With --balanced the client talks to two
// instances sharing a Redis (started here) through a round-robin balancer
// with no affinity (nginx, balancer.sh): every request of a session may land
// on either instance, answers to the server's requests and cancellations
// among them.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { balancedEverything } from "./processes.mjs";

const [server, flavor, ...rest] = process.argv.slice(2);
if (!server || !["v1", "v2"].includes(flavor))
  throw new Error("usage: ts_sdk_client_http.mjs <everything_server> v1|v2 [--balanced] [server options...]");
const balanced = rest.includes("--balanced");
const serverOptions = rest.filter((o) => o !== "--balanced");

let Client, StreamableHTTPClientTransport, schemas;
if (flavor === "v1") {
  ({ Client } = await import("@modelcontextprotocol/sdk/client/index.js"));
  ({ StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js"));
  schemas = await import("@modelcontextprotocol/sdk/types.js");
} else {
  ({ Client, StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client"));
}

// v1 registers handlers by schema, v2 by method name.
function onRequest(client, method, handler) {
  if (flavor === "v2") return client.setRequestHandler(method, handler);
  const schema = {
    "elicitation/create": schemas.ElicitRequestSchema,
    "sampling/createMessage": schemas.CreateMessageRequestSchema,
  }[method];
  return client.setRequestHandler(schema, handler);
}

// callTool with request options (progress, signal): v1 takes a result schema before them.
const callWith = (client, params, options) =>
  flavor === "v1" ? client.callTool(params, undefined, options) : client.callTool(params, options);

let child;
let url;
const children = [];
let dir;
before(async () => {
  if (balanced) {
    dir = mkdtempSync(join(tmpdir(), "polymcp-balanced-"));
    ({ url } = await balancedEverything(children, server, 2, join(dir, "fernet.key"), serverOptions));
    return;
  }
  child = spawn(server, ["--port", "0", ...serverOptions], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  url = await new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = /listening on (https?:\S+)/.exec(err);
      if (m) resolve(new URL(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`everything_server exited with ${code}: ${err}`)));
  });
});
after(() => {
  for (const c of children) c.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function connect(capabilities = {}) {
  const client = new Client({ name: `polymcp-interop-${flavor}`, version: "1.0.0" }, { capabilities });
  const transport = new StreamableHTTPClientTransport(url);
  await client.connect(transport);
  return { client, transport };
}

const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("");

test("initialize: serverInfo and capabilities over Streamable HTTP", async () => {
  const { client, transport } = await connect();
  try {
    assert.equal(client.getServerVersion().name, "mcp-conformance-test-server");
    const caps = client.getServerCapabilities();
    assert.ok(caps.tools && caps.resources && caps.prompts && caps.logging && caps.completions);
    assert.equal(caps.resources.subscribe, true);
    assert.match(transport.sessionId, /^[0-9a-f]{32}$/);
    await client.ping();
  } finally {
    await client.close();
  }
});

test("tools: list and call", async () => {
  const { client } = await connect();
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ["test_simple_text", "test_sampling", "test_elicitation", "test_reconnection"])
      assert.ok(names.includes(n), n);
    assert.equal(text(await client.callTool({ name: "test_simple_text", arguments: {} })),
      "This is a simple text response for testing.");
    const failed = await client.callTool({ name: "test_error_handling", arguments: {} });
    assert.equal(failed.isError, true);
  } finally {
    await client.close();
  }
});

test("resources and prompts", async () => {
  const { client } = await connect();
  try {
    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === "test://static-text"));
    const read = await client.readResource({ uri: "test://template/7/data" });
    assert.equal(JSON.parse(read.contents[0].text).id, "7");
    const blob = await client.readResource({ uri: "test://static-binary" });
    assert.equal(blob.contents[0].mimeType, "image/png");
    assert.ok(blob.contents[0].blob.length > 0);
    const prompt = await client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } });
    assert.equal(prompt.messages[0].content.text, "Prompt with arguments: arg1='a', arg2='b'");
    const done = await client.complete({
      ref: { type: "ref/prompt", name: "test_prompt_with_arguments" },
      argument: { name: "arg1", value: "tes" },
    });
    assert.deepEqual(done.completion.values, ["test", "testing", "tested"]);
  } finally {
    await client.close();
  }
});

test("the client answers an elicitation and a sampling request made by tools", async () => {
  const { client } = await connect({ elicitation: {}, sampling: {} });
  try {
    let elicited, sampled;
    onRequest(client, "elicitation/create", async (req) => {
      elicited = req.params;
      return { action: "accept", content: { response: "forty-two" } };
    });
    onRequest(client, "sampling/createMessage", async (req) => {
      sampled = req.params;
      return { role: "assistant", content: { type: "text", text: "sampled text" }, model: "m", stopReason: "endTurn" };
    });
    const e = await client.callTool({ name: "test_elicitation", arguments: { message: "Your answer?" } });
    assert.equal(elicited.message, "Your answer?");
    assert.match(text(e), /action=accept, content=\{"response":"forty-two"\}/);
    const s = await client.callTool({ name: "test_sampling", arguments: { prompt: "Say hi" } });
    assert.equal(sampled.messages[0].content.text, "Say hi");
    assert.equal(text(s), "LLM response: sampled text");
  } finally {
    await client.close();
  }
});

test("answers to the server's requests reach the tool that asked, whichever instance they land on", async () => {
  const { client } = await connect({ elicitation: {} });
  try {
    let n = 0;
    onRequest(client, "elicitation/create", async () => ({ action: "accept", content: { response: `answer ${++n}` } }));
    // Through the balancer, consecutive answers land on alternating instances.
    for (let i = 1; i <= 4; ++i) {
      const e = await client.callTool({ name: "test_elicitation", arguments: { message: `question ${i}` } });
      assert.match(text(e), new RegExp(`"response":"answer ${i}"`));
    }
  } finally {
    await client.close();
  }
});

test("progress notifications, and a call cancelled by the client", async () => {
  const { client } = await connect();
  try {
    const seen = [];
    const r = await callWith(client, { name: "test_tool_with_progress", arguments: {} }, {
      onprogress: (p) => seen.push(p.progress),
    });
    assert.deepEqual(seen, [0, 50, 100]);
    assert.ok(text(r).length > 0);

    // Cancelled after its first progress: the SDK sends notifications/cancelled
    // (to any instance) and rejects the call; the session goes on.
    const controller = new AbortController();
    const call = callWith(client, { name: "test_tool_with_progress", arguments: {} }, {
      signal: controller.signal,
      onprogress: () => controller.abort("changed my mind"),
    });
    await assert.rejects(call);
    assert.equal(text(await client.callTool({ name: "test_simple_text", arguments: {} })),
      "This is a simple text response for testing.");
  } finally {
    await client.close();
  }
});

test("a stream the server closes mid-call is resumed with Last-Event-ID", async () => {
  const { client } = await connect();
  try {
    const r = await client.callTool({ name: "test_reconnection", arguments: {} });
    assert.match(text(r), /Reconnection test completed successfully/);
  } finally {
    await client.close();
  }
});

test("terminating the session: DELETE, then the id is unknown", async () => {
  const { client, transport } = await connect();
  const id = transport.sessionId;
  await transport.terminateSession();
  const ping = () =>
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "Mcp-Session-Id": id },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
    });
  let res = await ping();
  if (balanced) {
    // The other instance drops its copy when the storage channel's "ended"
    // message arrives (docs/scaling.md): within 2 s, however loaded.
    for (const start = Date.now(); res.status !== 404 && Date.now() - start < 2000; res = await ping())
      await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(res.status, 404);
  await client.close();
});
