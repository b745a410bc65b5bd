// Interop: the official MCP TypeScript SDK client (pinned in package.json)
// drives polymcp's hello_stdio over stdio, with no workaround on either side.
// Usage: node ts_sdk_client_stdio.mjs <path-to-hello_stdio>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import assert from "node:assert/strict";
import { test } from "node:test";

const server = process.argv[2];
if (!server) throw new Error("usage: ts_sdk_client_stdio.mjs <hello_stdio>");

async function connect() {
  const client = new Client({ name: "polymcp-interop", version: "1.0.0" });
  const transport = new StdioClientTransport({ command: server, args: [], stderr: "inherit" });
  await client.connect(transport);
  return { client, transport };
}

test("initialize: version, serverInfo, capabilities, instructions", async () => {
  const { client } = await connect();
  try {
    const info = client.getServerVersion();
    assert.equal(info.name, "hello-stdio");
    assert.equal(info.title, "polymcp hello (stdio)");
    const caps = client.getServerCapabilities();
    assert.ok(caps.tools, "tools capability");
    assert.ok(caps.logging, "logging capability");
    assert.match(client.getInstructions(), /echo/);
    await client.ping();
  } finally {
    await client.close();
  }
});

test("tools/list: generated inputSchema and outputSchema", async () => {
  const { client } = await connect();
  try {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    assert.deepEqual(Object.keys(byName).sort(), ["add", "countdown", "echo"]);
    assert.deepEqual(byName.echo.inputSchema, {
      type: "object",
      properties: { text: { type: "string", description: "Text to send back" } },
      required: ["text"],
    });
    assert.deepEqual(byName.add.inputSchema.required, ["a", "b"]);
    assert.equal(byName.add.inputSchema.properties.a.type, "number");
    assert.deepEqual(byName.add.outputSchema, {
      type: "object",
      properties: { sum: { type: "number" } },
      required: ["sum"],
    });
    assert.equal(byName.add.title, "Add two numbers");
    assert.equal(byName.add.annotations.readOnlyHint, true);
    const cd = byName.countdown.inputSchema;
    assert.deepEqual(cd.required, ["from"]);
    assert.equal(cd.properties.from.type, "integer");
    assert.equal(cd.properties.from.maximum, 1000);
    assert.equal(cd.properties.delay_ms.type, "integer");
  } finally {
    await client.close();
  }
});

test("tools/call: echo, add (structuredContent validated by the SDK), invalid arguments", async () => {
  const { client } = await connect();
  try {
    const echo = await client.callTool({ name: "echo", arguments: { text: "héllo" } });
    assert.deepEqual(echo.content, [{ type: "text", text: "héllo" }]);
    assert.ok(!echo.isError);

    // The SDK checks structuredContent against the tool's outputSchema.
    const add = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
    assert.deepEqual(add.structuredContent, { sum: 42 });
    assert.equal(JSON.parse(add.content[0].text).sum, 42);

    const bad = await client.callTool({ name: "add", arguments: { a: 2, b: "x" } });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /\/b: expected number/);

    await assert.rejects(client.callTool({ name: "missing", arguments: {} }), /Unknown tool/);
  } finally {
    await client.close();
  }
});

test("progress: countdown reports progress to the SDK's onprogress", async () => {
  const { client, transport } = await connect();
  // Every message the transport reads, before the SDK dispatches it.
  const raw = [];
  const dispatch = transport.onmessage;
  transport.onmessage = (message, extra) => {
    raw.push(message);
    dispatch(message, extra);
  };
  try {
    const seen = [];
    const result = await client.callTool(
      { name: "countdown", arguments: { from: 4, delay_ms: 50 } },
      CallToolResultSchema,
      { onprogress: (p) => seen.push(p) },
    );
    assert.equal(result.content[0].text, "countdown from 4 finished");

    // On the wire: progress 0..4 with total 4 and one progressToken, all
    // before the response.
    const responseAt = raw.findIndex((m) => m.id !== undefined && m.result !== undefined);
    assert.ok(responseAt >= 0, "the response was received");
    const progress = raw
      .map((m, at) => ({ m, at }))
      .filter(({ m }) => m.method === "notifications/progress");
    assert.deepEqual(progress.map(({ m }) => m.params.progress), [0, 1, 2, 3, 4]);
    assert.ok(progress.every(({ m }) => m.params.total === 4));
    assert.equal(new Set(progress.map(({ m }) => m.params.progressToken)).size, 1);
    assert.ok(progress.every(({ at }) => at < responseAt), "every progress precedes the result");

    // Through onprogress: the SDK dispatches notifications on a later
    // microtask but settles a response at once, dropping the handler, so a
    // progress read in the same chunk as the result never reaches onprogress.
    // What reaches it is a prefix of the wire's. The first progress precedes
    // the result by four 50 ms sleeps, so it reaches onprogress unless this
    // process stalls for all 200 ms.
    assert.ok(seen.length >= 1, `saw ${seen.length} progress notifications`);
    assert.deepEqual(seen.map((p) => p.progress), [0, 1, 2, 3, 4].slice(0, seen.length));
    assert.ok(seen.every((p) => p.total === 4));
  } finally {
    await client.close();
  }
});

test("cancellation: aborting a call sends notifications/cancelled and the server goes on", async () => {
  const { client } = await connect();
  try {
    const controller = new AbortController();
    let progressed;
    const firstProgress = new Promise((r) => (progressed = r));
    const pending = client.callTool(
      { name: "countdown", arguments: { from: 1000, delay_ms: 20 } },
      CallToolResultSchema,
      { signal: controller.signal, onprogress: () => progressed() },
    );
    await firstProgress;
    controller.abort("user pressed stop");
    await assert.rejects(pending, /user pressed stop/);
    // The server stays healthy after the cancellation.
    const echo = await client.callTool({ name: "echo", arguments: { text: "after" } });
    assert.equal(echo.content[0].text, "after");
  } finally {
    await client.close();
  }
});

test("logging: logging/setLevel is accepted", async () => {
  const { client } = await connect();
  try {
    await client.setLoggingLevel("warning");
  } finally {
    await client.close();
  }
});
