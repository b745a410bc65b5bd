// End to end: examples/gateway with the official MCP TypeScript SDK client
// as the agent. A user registers two upstream connectors through the API —
// polymcp's everything_server and the official server-everything, both
// real processes over Streamable HTTP — connects them in a session, lists
// the aggregated tools over MCP, calls a tool on each upstream through the
// gateway, disconnects one and sees its tools go (with
// notifications/tools/list_changed); a second user sees none of it.
// Usage: node gateway_e2e.mjs <gateway> <everything_server> <server-everything dist/index.js>
//        [<python3> <scripted_mcp_server.py>]   (adds the cancellation check)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ADMIN, ALICE, BOB, freePort, gatewayApi, start, testCallers } from "./processes.mjs";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { Client as ClientV2, StreamableHTTPClientTransport as StreamableHTTPClientTransportV2 } from "@modelcontextprotocol/client";

const [gatewayBin, everythingBin, serverEverythingJs, python, scriptedServer] = process.argv.slice(2);
if (!gatewayBin || !everythingBin || !serverEverythingJs)
  throw new Error("usage: gateway_e2e.mjs <gateway> <everything_server> <server-everything dist/index.js>");

const children = [];
let dir, gateway, ours, reference;

async function waitForHttp(url) {
  for (let i = 0; i < 100; ++i) {
    try {
      await fetch(url, { method: "GET" });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} never answered`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "polymcp-gateway-e2e-"));
  const config = {
    listen: { address: "127.0.0.1", port: 0 },
    data_dir: join(dir, "data"),
    auth: testCallers(),
    connectors: { allow_loopback: true, test_timeout_ms: 15000, max_per_user: 3 },
    // A global catalog server from the configuration (stdio: trusted), for the cancellation check.
    servers: python ? [{ name: "scripted", transport: "stdio", command: python, args: [scriptedServer, "connector"] }] : [],
  };
  writeFileSync(join(dir, "gateway.json"), JSON.stringify(config));
  const oursUrl = await start(children, everythingBin, ["--port", "0", "--quiet"], /listening on (http:\S+)/);
  const port = await freePort();
  spawnReference(port);
  reference = `http://127.0.0.1:${port}/mcp`;
  await waitForHttp(reference);
  ours = oursUrl;
  gateway = await start(children, gatewayBin, ["--config", join(dir, "gateway.json")], /listening on (http:\S+?) /);
});

function spawnReference(port) {
  const child = spawn(process.execPath, [serverEverythingJs, "streamableHttp"], {
    stdio: ["ignore", "ignore", "ignore"],
    env: { ...process.env, PORT: String(port) },
  });
  children.push(child);
}

after(() => {
  for (const c of children) c.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

const api = gatewayApi(() => gateway, "chat-1");

async function agent(key, session = "chat-1") {
  const client = new Client({ name: "gateway-e2e-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(gateway + "/mcp"), {
    requestInit: { headers: { "X-API-Key": key, "X-Gateway-Session": session } },
  });
  await client.connect(transport);
  return client;
}

const names = async (client) => (await client.listTools()).tools.map((t) => t.name);
const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("");
const ids = {};

test("a user registers two upstream connectors through the API, each tested first", async () => {
  let r = await api("POST", "/api/connectors", ALICE, { name: "ours", url: ours, description: "polymcp everything_server" });
  assert.equal(r.status, 201, r.text);
  assert.match(r.body.id, /^con_[0-9a-f]{16}$/);
  assert.ok(r.body.tools.length > 5);
  ids.ours = r.body.id;
  r = await api("POST", "/api/connectors", ALICE, {
    name: "reference",
    url: reference,
    auth_config: { type: "bearer", token: "never-shown-again-123" },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.auth_type, "bearer");
  ids.reference = r.body.id;
  r = await api("GET", "/api/connectors", ALICE);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.connectors.map((c) => [c.name, c.status]), [["ours", "DISCONNECTED"], ["reference", "DISCONNECTED"]]);
  assert.ok(!r.text.includes("never-shown-again"), "a credential was returned");
});

test("they are connected in a session and their tools aggregated over MCP", async () => {
  for (const id of [ids.ours, ids.reference]) {
    const r = await api("POST", `/api/connectors/${id}/connect`, ALICE);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, "CONNECTED");
    assert.equal(r.body.session, "chat-1");
  }
  const client = await agent(ALICE);
  const all = await names(client);
  assert.ok(all.includes("ours__test_simple_text"), all.join(" "));
  assert.ok(all.includes("reference__echo"), all.join(" "));
  assert.ok(all.includes("connectors_list"));
  assert.equal(new Set(all).size, all.length, "names are unique");
  for (const n of all) assert.match(n, /^[a-zA-Z0-9_-]{1,64}$/);
  await client.close();
});

test("a tool on each upstream is called through the gateway", async () => {
  const client = await agent(ALICE);
  const a = await client.callTool({ name: "ours__test_simple_text", arguments: {} });
  assert.equal(text(a), "This is a simple text response for testing.");
  const b = await client.callTool({ name: "reference__echo", arguments: { message: "through the gateway" } });
  assert.equal(text(b), "Echo: through the gateway");
  const progress = [];
  const c = await client.callTool({ name: "ours__test_tool_with_progress", arguments: {} }, undefined, {
    onprogress: (p) => progress.push(p.progress),
  });
  assert.ok(!c.isError);
  assert.ok(progress.length >= 2, `progress passed through: ${progress}`);
  await client.close();
});

test("disconnecting one makes its tools go, with tools/list_changed", async () => {
  const client = await agent(ALICE);
  await names(client);  // lists once: the gateway now watches this session for the client
  const changed = new Promise((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve(true)));
  // The standalone GET stream carries the notification; give it a moment to open.
  await new Promise((r) => setTimeout(r, 300));
  const r = await api("POST", `/api/connectors/${ids.reference}/disconnect`, ALICE);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, "DISCONNECTED");
  assert.equal(await Promise.race([changed, new Promise((res) => setTimeout(() => res(false), 5000))]), true);
  const all = await names(client);
  assert.ok(!all.some((n) => n.startsWith("reference__")), all.join(" "));
  assert.ok(all.includes("ours__test_simple_text"));
  const gone = await client.callTool({ name: "reference__echo", arguments: { message: "x" } }).catch((e) => e);
  assert.ok(gone instanceof Error && /Unknown tool/.test(gone.message), String(gone));
  await client.close();
});

test("a 2026-07-28 agent (TypeScript SDK v2) gets the aggregated tools' changes on its listen stream", async () => {
  const client = new ClientV2({ name: "gateway-e2e-modern-agent", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new StreamableHTTPClientTransportV2(new URL(gateway + "/mcp"), {
    requestInit: { headers: { "X-API-Key": ALICE, "X-Gateway-Session": "chat-1" } },
  }));
  try {
    assert.equal(client.getProtocolEra(), "modern");
    let changes = 0;
    client.setNotificationHandler("notifications/tools/list_changed", () => { changes++; });
    const sub = await client.listen({ toolsListChanged: true });
    assert.equal(sub.honoredFilter.toolsListChanged, true);
    // Reconnecting the upstream changes this user's aggregated tools.
    let r = await api("POST", `/api/connectors/${ids.reference}/connect`, ALICE);
    assert.equal(r.status, 200, r.text);
    for (let i = 0; i < 250 && changes === 0; i++) await new Promise((res) => setTimeout(res, 20));
    assert.ok(changes >= 1, "notifications/tools/list_changed on the listen stream");
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === "reference__echo"));
    const echoed = await client.callTool({ name: "reference__echo", arguments: { message: "stateless" } });
    assert.equal(text(echoed), "Echo: stateless");
    await sub.close();
    r = await api("POST", `/api/connectors/${ids.reference}/disconnect`, ALICE);  // as the next tests expect
    assert.equal(r.status, 200, r.text);
  } finally {
    await client.close();
  }
});

test("a second user sees none of it", async () => {
  const client = await agent(BOB);
  const all = await names(client);
  assert.deepEqual(all.sort(), ["connectors_connect", "connectors_disconnect", "connectors_list"]);
  const call = await client.callTool({ name: "ours__test_simple_text", arguments: {} }).catch((e) => e);
  assert.ok(call instanceof Error, "bob called alice's tool");
  await client.close();
  let r = await api("GET", "/api/connectors", BOB);
  assert.deepEqual(r.body.connectors, []);
  r = await api("GET", `/api/connectors/${ids.ours}`, BOB);
  assert.equal(r.status, 404);
  assert.equal(r.body.error, "NOT_FOUND");
  r = await api("POST", `/api/connectors/${ids.ours}/connect`, BOB);
  assert.equal(r.status, 404);
  r = await api("DELETE", `/api/connectors/${ids.ours}`, BOB);
  assert.equal(r.status, 404);
  // Alice's other session is empty too.
  const other = await agent(ALICE, "chat-2");
  assert.ok(!(await names(other)).some((n) => n.includes("__")));
  await other.close();
});

test("bad input gets its typed error and stores nothing", async () => {
  let r = await api("POST", "/api/connectors", ALICE, "{not json");
  assert.equal(r.status, 400);
  assert.equal(r.body.error, "INVALID_REQUEST");
  r = await api("POST", "/api/connectors", ALICE, { name: "private", url: "http://10.1.2.3/mcp" });
  assert.equal(r.status, 422);
  assert.equal(r.body.error, "SSRF_BLOCKED");
  r = await api("POST", "/api/connectors", ALICE, { name: "local", transport: "stdio", command: "sh", args: ["-c", "id"] });
  assert.equal(r.status, 403);
  assert.equal(r.body.error, "TRANSPORT_NOT_ALLOWED");
  r = await api("POST", "/api/connectors", ALICE, { name: "ours", url: ours });
  assert.equal(r.status, 409);
  assert.equal(r.body.error, "ALREADY_EXISTS");
  r = await api("POST", "/api/connectors/test", ALICE, { url: "http://127.0.0.1:1/mcp" });
  assert.equal(r.status, 200);
  assert.equal(r.body.success, false);
  assert.equal(r.body.error, "CONNECTION_FAILED");
  r = await api("GET", "/api/connectors", ALICE, undefined, "bad session!");
  assert.equal(r.status, 400);
  r = await api("GET", "/api/connectors", "not-a-key-at-all-0000");
  assert.equal(r.status, 401);
  assert.equal(r.body.error, "UNAUTHENTICATED");
  r = await api("GET", "/api/connectors", ALICE);
  assert.equal(r.body.connectors.length, 2);
});

test("PATCH changes a connector; a new endpoint is tested first and a failed test changes nothing", async () => {
  let r = await api("PATCH", `/api/connectors/${ids.ours}`, ALICE, { description: "renamed", name: "ours2" });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.name, "ours2");
  r = await api("PATCH", `/api/connectors/${ids.ours}`, ALICE, { url: "http://127.0.0.1:1/mcp" });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.body.error, "CONNECTION_FAILED");
  r = await api("GET", `/api/connectors/${ids.ours}`, ALICE);
  assert.equal(r.body.url, ours);
  assert.equal(r.body.description, "renamed");
  r = await api("PATCH", `/api/connectors/${ids.ours}`, ALICE, { owner: "bob" });
  assert.equal(r.status, 400);
  r = await api("PATCH", `/api/connectors/${ids.ours}`, ALICE, { name: "ours" });
  assert.equal(r.status, 200);
  r = await api("PATCH", `/api/connectors/${ids.ours}`, BOB, { name: "stolen" });
  assert.equal(r.status, 404);
});

test("the catalog, its categories, the system tools and the connector limit through the API", async () => {
  let r = await api("GET", "/api/tools", ALICE);
  assert.equal(r.status, 200);
  const system = Object.fromEntries(r.body.tools.map((t) => [t.id, t]));
  assert.equal(system.connectors_list.is_enabled, true);
  assert.equal(system.connectors_list.mcp_name, "connectors_list");
  assert.equal(system.connectors_list.category, "connectors");
  assert.ok(r.body.connector_tools.some((t) => t.name === "ours__test_simple_text" && t.connector_name === "ours"));

  r = await api("POST", "/api/categories", ALICE, { name: "Testing" });
  assert.equal(r.status, 403);
  r = await api("POST", "/api/categories", ADMIN, { name: "Testing", icon: "🧪", color: "#123456" });
  assert.equal(r.status, 201, r.text);
  assert.match(r.body.id, /^ctg_[0-9a-f]{16}$/);
  const category = r.body.id;
  r = await api("POST", "/api/categories", ADMIN, { name: "Testing" });
  assert.equal(r.status, 409);

  r = await api("POST", "/api/servers", ALICE, { name: "mine", url: ours, public: true });
  assert.equal(r.status, 403);
  r = await api("POST", "/api/servers", ALICE, { name: "mine", url: ours });
  assert.equal(r.status, 201, r.text);
  assert.match(r.body.id, /^mcp_[0-9a-f]{16}$/);
  const mine = r.body.id;
  r = await api("POST", "/api/servers", ADMIN, { name: "shared", url: ours, public: true, category_id: category });
  assert.equal(r.status, 201, r.text);
  const shared = r.body.id;
  r = await api("GET", "/api/servers", BOB);
  assert.deepEqual(r.body.servers.map((s) => s.name).filter((n) => n !== "scripted"), ["shared"]);  // not alice's "mine"
  r = await api("GET", `/api/servers?category_id=${category}`, ALICE);
  assert.deepEqual(r.body.servers.map((s) => s.name), ["shared"]);
  r = await api("GET", `/api/servers/${mine}`, BOB);
  assert.equal(r.status, 404);

  // Bob makes a connector of the shared catalog server and uses it.
  r = await api("POST", "/api/connectors", BOB, { name: "fromcatalog", server_id: shared });
  assert.equal(r.status, 201, r.text);
  assert.equal((await api("POST", `/api/connectors/${r.body.id}/connect`, BOB)).status, 200);
  const bob = await agent(BOB);
  const b = await bob.callTool({ name: "fromcatalog__test_simple_text", arguments: {} });
  assert.equal(text(b), "This is a simple text response for testing.");
  await bob.close();

  // Alice has two connectors; the limit is three.
  r = await api("POST", "/api/connectors", ALICE, { name: "third", server_id: mine });
  assert.equal(r.status, 201, r.text);
  r = await api("POST", "/api/connectors", ALICE, { name: "fourth", server_id: mine });
  assert.equal(r.status, 409);
  assert.equal(r.body.error, "CONNECTOR_LIMIT_REACHED");
  r = await api("GET", "/api/connectors", ALICE);
  assert.equal(r.body.connectors.length, 3);
});

test("cancelling a call through the gateway cancels it upstream", { skip: !python }, async () => {
  let r = await api("GET", "/api/servers", BOB);
  const scripted = r.body.servers.find((s) => s.name === "scripted");
  assert.ok(scripted, r.text);
  r = await api("POST", "/api/connectors", BOB, { name: "scripted", server_id: scripted.id });
  assert.equal(r.status, 201, r.text);
  assert.equal((await api("POST", `/api/connectors/${r.body.id}/connect`, BOB)).status, 200);
  const client = await agent(BOB);
  const abort = new AbortController();
  setTimeout(() => abort.abort("the user gave up"), 300);
  const hung = await client.callTool({ name: "scripted__hang", arguments: {} }, undefined, { signal: abort.signal }).catch((e) => e);
  assert.ok(hung instanceof Error, "the call was not cancelled");
  // The upstream saw notifications/cancelled for its request.
  for (let i = 0; i < 50; ++i) {
    const seen = await client.callTool({ name: "scripted__seen", arguments: {} });
    if (seen.structuredContent?.cancelled?.length === 1) break;
    assert.ok(i < 49, `the upstream saw no cancellation: ${JSON.stringify(seen)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  await client.close();
});
