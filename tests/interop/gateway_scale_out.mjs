// Scaling out: two examples/gateway instances on one Redis (a redis-server
// this test starts, so that it can also stop it) and one PostgreSQL (the
// test server of scripts/services.sh, in a schema of its own). A user's
// connectors, connections, tools and token refreshes work whichever instance
// serves each request; a connector disabled on one is revoked at once on the
// other (list_changed through Redis); the TypeScript SDK client is the agent; when Redis
// goes down the API answers STORAGE_UNAVAILABLE and /readyz 503, and nothing
// is half-written.
// Usage: node gateway_scale_out.mjs <gateway> <everything_server>
// Needs POLYMCP_TEST_POSTGRES (a libpq connection string) and redis-server in PATH.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

import { freePort, start } from "./processes.mjs";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [gatewayBin, everythingBin] = process.argv.slice(2);
const postgres = process.env.POLYMCP_TEST_POSTGRES || "host=127.0.0.1 port=54329 user=polymcp dbname=postgres";
if (!gatewayBin || !everythingBin) throw new Error("usage: gateway_scale_out.mjs <gateway> <everything_server>");

const KEY = "alice-key-0123456789abcdef";
const children = [];
let dir, redisPort, redis, gw = [], ours;

async function startRedis() {
  redis = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(redisPort), "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  children.push(redis);
  await new Promise((resolve) => {
    let out = "";
    redis.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Ready to accept connections")) resolve();
    });
  });
}

// An upstream MCP server that takes one bearer token at a time, and the
// token endpoint that issues them, which requires its own credentials.
const world = { issued: 0, tokenRequests: 0, unauthenticated: 0, accepted: "", acceptLatest: true };
function tokenEndpoint(req, res) {
  if (req.headers.authorization !== "Bearer gateway-secret") {
    world.unauthenticated++;
    res.writeHead(401, { "Content-Type": "application/json" }).end('{"error":"unauthorized"}');
    return;
  }
  world.tokenRequests++;
  const token = `tok-${++world.issued}`;
  if (world.acceptLatest) world.accepted = token;
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token, valid: true }));
}
function calendar(req, res) {
  if (req.headers.authorization !== `Bearer ${world.accepted}`) {
    res.writeHead(401, { "Content-Type": "application/json", "WWW-Authenticate": 'Bearer error="invalid_token"' }).end("{}");
    return;
  }
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    if (req.method !== "POST") return res.writeHead(405).end();
    const m = JSON.parse(body);
    if (m.id === undefined) return res.writeHead(202).end();
    const result =
      m.method === "initialize"
        ? { protocolVersion: "2025-11-25", capabilities: { tools: {} }, serverInfo: { name: "calendar", version: "1" } }
        : m.method === "tools/list"
          ? { tools: [{ name: "book", inputSchema: { type: "object" } }] }
          : m.method === "tools/call"
            ? { content: [{ type: "text", text: "booked" }] }
            : {};
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }));
  });
}
let tokenServer, calendarServer;
const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "polymcp-gateway-scale-"));
  redisPort = await freePort();
  await startRedis();
  tokenServer = createHttpServer(tokenEndpoint);
  calendarServer = createHttpServer(calendar);
  const tokenPort = await listen(tokenServer);
  const calendarPort = await listen(calendarServer);
  world.tokenUrl = `http://127.0.0.1:${tokenPort}/current-token`;
  world.calendarUrl = `http://127.0.0.1:${calendarPort}/mcp`;
  ours = await start(children, everythingBin, ["--port", "0", "--quiet"], /listening on (http:\S+)/);
  const schema = `gw_scale_${process.pid}`;
  const config = {
    listen: { address: "127.0.0.1", port: 0 },
    storage: { redis: `127.0.0.1:${redisPort}`, postgres, postgres_schema: schema, redis_prefix: `gw${process.pid}:` },
    auth: { api_keys: [{ key: KEY, subject: "alice", tenant: "acme" }] },
    // What a call reads is kept in each instance for at most 600 ms (5 s by default).
    connectors: { allow_loopback: true, view_ttl_ms: 600 },
  };
  writeFileSync(join(dir, "gateway.json"), JSON.stringify(config));
  const env = { POLYMCP_ENCRYPTION_KEY: randomBytes(32).toString("base64url") + "=" };
  for (const name of ["a", "b"])
    gw.push(await start(children, gatewayBin, ["--config", join(dir, "gateway.json"), "--data-dir", join(dir, name)], /listening on (http:\S+?) /, env));
});

after(() => {
  for (const c of children) c.kill("SIGTERM");
  tokenServer?.close();
  calendarServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api(instance, method, path, body) {
  const headers = { "X-API-Key": KEY, "X-Gateway-Session": "s1" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(gw[instance] + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, text };
}

async function agent(instance) {
  const client = new Client({ name: "scale-out-agent", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gw[instance] + "/mcp"), {
      requestInit: { headers: { "X-API-Key": KEY, "X-Gateway-Session": "s1" } },
    }),
  );
  return client;
}
const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("");
const ids = {};

test("connectors created and connected on one instance are seen and used on the other", async () => {
  let r = await api(0, "POST", "/api/connectors", { name: "ours", url: ours });
  assert.equal(r.status, 201, r.text);
  ids.ours = r.body.id;
  r = await api(0, "POST", "/api/connectors", {
    name: "calendar",
    url: world.calendarUrl,
    auth_config: { type: "token_endpoint", url: world.tokenUrl, authorization: "Bearer gateway-secret" },
  });
  assert.equal(r.status, 201, r.text);
  ids.calendar = r.body.id;
  for (const id of [ids.ours, ids.calendar]) assert.equal((await api(0, "POST", `/api/connectors/${id}/connect`)).status, 200);

  r = await api(1, "GET", "/api/connectors");
  assert.deepEqual(r.body.connectors.map((c) => [c.name, c.status]), [["calendar", "CONNECTED"], ["ours", "CONNECTED"]]);
  const b = await agent(1);
  const names = (await b.listTools()).tools.map((t) => t.name);
  assert.ok(names.includes("ours__test_simple_text") && names.includes("calendar__book"), names.join(" "));
  assert.equal(text(await b.callTool({ name: "ours__test_simple_text", arguments: {} })), "This is a simple text response for testing.");
  assert.equal(text(await b.callTool({ name: "calendar__book", arguments: {} })), "booked");
  await b.close();
  assert.equal(world.tokenRequests, 2);  // one to test the connector, one when it was connected
});

test("a refused token is refreshed once for both instances", async () => {
  world.accepted = "rotated-away";
  const clients = [await agent(0), await agent(1), await agent(0), await agent(1)];
  const results = await Promise.all(clients.map((c) => c.callTool({ name: "calendar__book", arguments: {} })));
  for (const r of results) assert.equal(text(r), "booked", JSON.stringify(r));
  assert.equal(world.tokenRequests, 3);
  assert.equal(world.unauthenticated, 0);
  for (const c of clients) await c.close();
});

test("a disconnect on one instance takes the tools away on the other", async () => {
  const a = await agent(0);
  assert.ok((await a.listTools()).tools.some((t) => t.name === "calendar__book"));
  assert.equal((await api(1, "POST", `/api/connectors/${ids.calendar}/disconnect`)).status, 200);
  // The other instance hears of it on the storage's channel, a round trip
  // after the answer (docs/scaling.md, "The gateway's call path"): within 2 s.
  const t0 = Date.now();
  let names = (await a.listTools()).tools.map((t) => t.name);
  while (names.includes("calendar__book") && Date.now() - t0 < 2000) {
    await new Promise((r) => setTimeout(r, 20));
    names = (await a.listTools()).tools.map((t) => t.name);
  }
  assert.ok(!names.includes("calendar__book"), names.join(" "));
  assert.ok(names.includes("ours__test_simple_text"));
  console.log(`# the other instance stopped listing the tool ${Date.now() - t0} ms after the disconnect answered`);
  await a.close();
});

test("a connector disabled on one instance is revoked on the other at once: list_changed, no tools, calls refused", async () => {
  const b = await agent(1);
  let names = (await b.listTools()).tools.map((t) => t.name);  // instance b now watches this session for the client
  assert.ok(names.includes("ours__test_simple_text"), names.join(" "));
  const changed = new Promise((resolve) => b.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve(Date.now())));
  await new Promise((r) => setTimeout(r, 300));  // the standalone GET stream opens
  const t0 = Date.now();
  let r = await api(0, "PATCH", `/api/connectors/${ids.ours}`, { enabled: false });
  assert.equal(r.status, 200, r.text);
  // Pushed through Redis: well within the periodic check's period (30 s by default).
  const at = await Promise.race([changed, new Promise((res) => setTimeout(() => res(0), 3000))]);
  assert.ok(at > 0, "notifications/tools/list_changed from the other instance within 3 s");
  console.log(`# list_changed reached the other instance's session ${at - t0} ms after the PATCH answered`);
  names = (await b.listTools()).tools.map((t) => t.name);
  assert.ok(!names.includes("ours__test_simple_text"), names.join(" "));
  const refused = await b.callTool({ name: "ours__test_simple_text", arguments: {} });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /^DISABLED: /);
  r = await api(1, "PATCH", `/api/connectors/${ids.ours}`, { enabled: true });
  assert.equal(r.status, 200, r.text);
  await b.close();
});

test("one MCP session behind a round-robin balancer (nginx): every request may go to either instance", async () => {
  // nginx with no affinity in front of both instances: each HTTP request to the next one.
  const lbPort = await freePort();
  const lb = await start(children, "bash", [fileURLToPath(new URL("./balancer.sh", import.meta.url)), String(lbPort),
    ...gw.map((u) => new URL(u).port)], /balancer: listening on (http:\S+)/);
  const client = new Client({ name: "round-robin-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(lb + "/mcp"), {
    requestInit: { headers: { "X-API-Key": KEY, "X-Gateway-Session": "s1" } },
  });
  await client.connect(transport);
  for (let i = 0; i < 4; i++) {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes("ours__test_simple_text"), names.join(" "));
    assert.equal(text(await client.callTool({ name: "ours__test_simple_text", arguments: {} })), "This is a simple text response for testing.");
  }
  // The REST API through the balancer too: the session's connections, whichever instance answers.
  for (let i = 0; i < 2; i++) {
    const r = await fetch(lb + "/api/connectors", { headers: { "X-API-Key": KEY, "X-Gateway-Session": "s1" } });
    assert.equal(r.status, 200);
  }
  await transport.terminateSession();
  await client.close();
});

test("when Redis goes down: 503 STORAGE_UNAVAILABLE, /readyz 503, nothing half-written", async () => {
  for (const i of [0, 1]) assert.equal((await fetch(gw[i] + "/readyz")).status, 200);
  redis.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 200));
  for (const i of [0, 1]) assert.equal((await fetch(gw[i] + "/readyz")).status, 503);
  let r = await api(0, "POST", `/api/connectors/${ids.calendar}/connect`);
  assert.equal(r.status, 503, r.text);
  assert.equal(r.body.error, "STORAGE_UNAVAILABLE");
  // An instance answers from the view it keeps of a session for at most
  // view_ttl_ms; then from the storage, which is down.
  await new Promise((r) => setTimeout(r, 700));
  r = await api(1, "GET", "/api/tools");
  assert.equal(r.status, 503, r.text);
  assert.ok(!r.text.includes("gateway-secret") && !r.text.includes("tok-"), "no secret in an error");
  // Creating needs the per-user lock in Redis: refused, and nothing is stored.
  r = await api(0, "POST", "/api/connectors", { name: "third", url: ours });
  assert.equal(r.status, 503, r.text);
  await startRedis();
  await new Promise((r) => setTimeout(r, 300));
  r = await api(1, "GET", "/api/connectors");
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.connectors.map((c) => c.name), ["calendar", "ours"]);
});
