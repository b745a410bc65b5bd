// Interop under MCP 2026-07-28: the official TypeScript SDK v2 client
// (@modelcontextprotocol/client, pinned in package.json) speaks the stateless
// revision to polymcp's everything_server, over Streamable HTTP and stdio,
// while a 2025-11-25 client uses the same server at the same time.
// Usage: node ts_sdk_v2_modern.mjs <path-to-everything_server>
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

const [server] = process.argv.slice(2);
if (!server) throw new Error("usage: ts_sdk_v2_modern.mjs <everything_server>");

let child;
let url;
before(async () => {
  child = spawn(server, ["--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
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
after(() => child.kill("SIGTERM"));

const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("");

function modernClient(mode = { pin: "2026-07-28" }, capabilities = { elicitation: {}, sampling: {}, roots: {} }) {
  const client = new Client({ name: "polymcp-interop-v2-modern", version: "1.0.0" },
    { capabilities, versionNegotiation: { mode } });
  // The same handlers answer a 2025-11-25 server's requests and a 2026-07-28 server's input requests.
  if (capabilities.elicitation)
    client.setRequestHandler("elicitation/create", async (req) => {
      const props = Object.keys(req.params.requestedSchema?.properties ?? {});
      const content = {};
      for (const p of props) content[p] = req.params.requestedSchema.properties[p].type === "boolean" ? true : `v-${p}`;
      return { action: "accept", content };
    });
  if (capabilities.sampling)
    client.setRequestHandler("sampling/createMessage", async () => (
      { role: "assistant", content: { type: "text", text: "Paris" }, model: "m", stopReason: "endTurn" }));
  if (capabilities.roots)
    client.setRequestHandler("roots/list", async () => ({ roots: [{ uri: "file:///work", name: "work" }] }));
  return client;
}

async function connectHttp(mode) {
  const client = modernClient(mode);
  const transport = new StreamableHTTPClientTransport(url);
  await client.connect(transport);
  return { client, transport };
}

test("the v2 client negotiates 2026-07-28 with server/discover; no session", async () => {
  for (const mode of [{ pin: "2026-07-28" }, "auto"]) {
    const { client, transport } = await connectHttp(mode);
    try {
      assert.equal(client.getProtocolEra(), "modern");
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      assert.equal(client.getServerVersion().name, "mcp-conformance-test-server");
      assert.ok(client.getServerCapabilities().tools);
      assert.equal(transport.sessionId, undefined);
    } finally {
      await client.close();
    }
  }
});

test("tools, resources and prompts statelessly", async () => {
  const { client } = await connectHttp();
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === "test_input_required_result_elicitation"));
    assert.equal(text(await client.callTool({ name: "test_simple_text", arguments: {} })),
      "This is a simple text response for testing.");
    assert.equal((await client.callTool({ name: "test_error_handling", arguments: {} })).isError, true);
    const read = await client.readResource({ uri: "test://template/7/data" });
    assert.equal(JSON.parse(read.contents[0].text).id, "7");
    const prompt = await client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } });
    assert.equal(prompt.messages[0].content.text, "Prompt with arguments: arg1='a', arg2='b'");
  } finally {
    await client.close();
  }
});

test("input-required results are fulfilled by the client's handlers and retried", async () => {
  const { client } = await connectHttp();
  try {
    assert.equal(text(await client.callTool({ name: "test_input_required_result_elicitation", arguments: {} })),
      "Hello, v-name!");
    assert.equal(text(await client.callTool({ name: "test_input_required_result_sampling", arguments: {} })),
      "LLM response: Paris");
    assert.equal(text(await client.callTool({ name: "test_input_required_result_list_roots", arguments: {} })),
      "Client roots: file:///work");
    assert.equal(text(await client.callTool({ name: "test_input_required_result_multi_round", arguments: {} })),
      "name=v-name, color=v-color");
    assert.match(text(await client.callTool({ name: "test_input_required_result_request_state", arguments: {} })),
      /^state-ok: confirmed=true$/);
    assert.equal(text(await client.callTool({ name: "test_input_required_result_multiple_inputs", arguments: {} })),
      "name=v-name, greeting=Paris, roots=file:///work");
    const prompt = await client.getPrompt({ name: "test_input_required_result_prompt", arguments: {} });
    assert.equal(prompt.messages[0].content.text, "Use this context: v-context");
    // A tool that needs sampling the request did not declare: -32021.
    const bare = modernClient({ pin: "2026-07-28" }, {});
    await bare.connect(new StreamableHTTPClientTransport(url));
    await assert.rejects(bare.callTool({ name: "test_missing_capability", arguments: {} }),
      (e) => e.code === -32021 && e.data?.requiredCapabilities?.sampling !== undefined);
    await bare.close();
  } finally {
    await client.close();
  }
});

test("x-mcp-header parameters: the v2 client mirrors them and the server accepts the call", async () => {
  const { client } = await connectHttp();
  try {
    await client.listTools();
    const r = await client.callTool({
      name: "test_custom_headers",
      arguments: { region: "Zürich", priority: 3, verbose: false, query: "SELECT 1" },
    });
    assert.ok(!r.isError);
    assert.equal(text(r), "region=Zürich, priority=3, verbose=false, query=SELECT 1");
  } finally {
    await client.close();
  }
});

test("subscriptions/listen: acknowledged, then a tool list change arrives", async () => {
  const { client } = await connectHttp();
  try {
    let changed = 0;
    client.setNotificationHandler("notifications/tools/list_changed", () => { changed++; });
    const sub = await client.listen({ toolsListChanged: true });
    assert.equal(sub.honoredFilter.toolsListChanged, true);
    await client.callTool({ name: "test_trigger_tool_change", arguments: {} });
    for (let i = 0; i < 100 && changed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(changed >= 1, "notifications/tools/list_changed on the listen stream");
    await client.callTool({ name: "test_trigger_tool_change", arguments: {} });  // and back
    await sub.close();
  } finally {
    await client.close();
  }
});

test("a 2025-11-25 v2 client and a 2026-07-28 v2 client use the server at the same time", async () => {
  const legacy = new Client({ name: "polymcp-interop-v2-legacy", version: "1.0.0" });
  const legacyTransport = new StreamableHTTPClientTransport(url);
  await legacy.connect(legacyTransport);
  const { client } = await connectHttp();
  try {
    assert.equal(legacy.getProtocolEra(), "legacy");
    assert.match(legacyTransport.sessionId, /^[0-9a-f]{32}$/);
    const [a, b] = await Promise.all([
      legacy.callTool({ name: "test_simple_text", arguments: {} }),
      client.callTool({ name: "test_simple_text", arguments: {} }),
    ]);
    assert.equal(text(a), text(b));
  } finally {
    await client.close();
    await legacy.close();
  }
});

test("over stdio: 'auto' finds 2026-07-28 and input requests work", async () => {
  const client = modernClient("auto");
  await client.connect(new StdioClientTransport({ command: server, args: ["--stdio", "--quiet"] }));
  try {
    assert.equal(client.getProtocolEra(), "modern");
    assert.equal(text(await client.callTool({ name: "test_input_required_result_elicitation", arguments: {} })),
      "Hello, v-name!");
  } finally {
    await client.close();
  }
});
