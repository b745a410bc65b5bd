// The reference gateway attacked through its public HTTP API, by a signed-in
// user and by a web page: choosing a variable of a process the gateway
// starts (the audit's command execution, with a working exploit for each
// variable), reading a catalog server's secrets, keeping a revoked server,
// starting more children and sessions than allowed, DNS rebinding on every
// route, and bytes and ids that once got a 5xx. The agent is the official
// TypeScript SDK client.
// Usage: node gateway_security.mjs <gateway> <python3> <scripted_mcp_server.py>
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ADMIN, ALICE, BOB, gatewayApi, start, testCallers } from "./processes.mjs";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [gatewayBin, python, scriptedServer] = process.argv.slice(2);
if (!gatewayBin || !python || !scriptedServer)
  throw new Error("usage: gateway_security.mjs <gateway> <python3> <scripted_mcp_server.py>");

const children = [];
let dir, gateway, pwned, scriptedId;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "polymcp-gateway-security-"));
  pwned = join(dir, "PWNED");
  const config = {
    listen: { address: "127.0.0.1", port: 0 },
    data_dir: join(dir, "data"),
    auth: testCallers(),
    connectors: { allow_loopback: true, test_timeout_ms: 15000, max_tests_per_minute: 6, max_sessions_per_user: 2 },
    servers: [
      {
        name: "scripted",
        transport: "stdio",
        command: python,
        args: [scriptedServer, "connector"],
        credential_env: ["SCRIPTED_TOKEN"],
        auth_config: { type: "api_key", env: "SCRIPTED_SERVER_KEY", key: "server-only-secret" },
      },
    ],
  };
  writeFileSync(join(dir, "gateway.json"), JSON.stringify(config));
  gateway = await start(children, gatewayBin, ["--config", join(dir, "gateway.json")], /listening on (http:\S+?) /);
  const r = await api("GET", "/api/servers", ALICE);
  scriptedId = r.body.servers.find((s) => s.name === "scripted").id;
});

after(() => {
  for (const c of children) c.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

const api = gatewayApi(() => gateway, "default");

// A request with headers fetch() does not let a page set (Host), over node:http.
function rawApi(method, path, headers) {
  const url = new URL(gateway);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

// Bytes as they are, over a plain socket: the status line of the answer.
function rawBytes(bytes) {
  const url = new URL(gateway);
  return new Promise((resolve, reject) => {
    const s = connect(Number(url.port), url.hostname, () => s.write(bytes));
    let got = Buffer.alloc(0);
    s.on("data", (d) => {
      got = Buffer.concat([got, d]);
      if (got.includes("\r\n\r\n")) {
        s.destroy();
        resolve(got.toString("latin1"));
      }
    });
    s.on("error", reject);
    s.setTimeout(10000, () => reject(new Error("no answer")));
  });
}

async function agent(key, session = "default") {
  const client = new Client({ name: "gateway-security-agent", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway + "/mcp"), {
    requestInit: { headers: { "X-API-Key": key, "X-Gateway-Session": session } },
  }));
  return client;
}

test("a user's credential never names a variable of a process the gateway starts", async () => {
  // Working exploits, each for its variable, if it ever reached the child.
  const site = join(dir, "site");
  mkdirSync(site);
  writeFileSync(join(site, "sitecustomize.py"), `open(${JSON.stringify(pwned)}, "w").write("python")\n`);
  writeFileSync(join(dir, "env.sh"), `touch ${pwned}\n`);
  const exploits = {
    NODE_OPTIONS: `--import=data:text/javascript,import('node:fs').then(f=>f.writeFileSync(${JSON.stringify(pwned)},'node'))`,
    PYTHONPATH: site,
    PYTHONSTARTUP: join(site, "sitecustomize.py"),
    BASH_ENV: join(dir, "env.sh"),
    ENV: join(dir, "env.sh"),
    LD_PRELOAD: join(dir, "missing.so"),
    PERL5OPT: `-Mstrict;system("touch ${pwned}")`,
    PATH: dir,
    HOME: dir,
    SCRIPTED_SERVER_KEY: "override-the-servers-own",
    GITHUB_TOKEN: "not-declared-by-this-server",
  };
  for (const [variable, value] of Object.entries(exploits)) {
    for (const path of ["/api/connectors/test", "/api/connectors"]) {
      const r = await api("POST", path, ALICE, {
        name: "evil",
        server_id: scriptedId,
        auth_config: { type: "api_key", env: variable, key: value },
      });
      assert.equal(r.status, 400, `${variable} on ${path}: ${r.text}`);
      assert.equal(r.body.error, "INVALID_REQUEST");
      assert.ok(!r.text.includes(value), "the credential was echoed");
    }
  }
  // Nor an argument, a command, or an environment of its own.
  for (const body of [
    { server_id: scriptedId, args: ["-c", `open('${pwned}','w')`] },
    { server_id: scriptedId, env: { PYTHONPATH: site } },
    { server_id: scriptedId, command: "/bin/sh" },
  ]) {
    const r = await api("POST", "/api/connectors/test", ALICE, body);
    assert.equal(r.status, 400, r.text);
  }
  let r = await api("POST", "/api/connectors/test", ALICE, { transport: "stdio", command: python, args: ["-c", `open('${pwned}','w')`] });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.body.error, "TRANSPORT_NOT_ALLOWED");
  await new Promise((res) => setTimeout(res, 300));
  assert.ok(!existsSync(pwned), "a refused request ran code on the gateway's host");

  // The declared variable carries the user's key; the child sees nothing else of anyone's.
  r = await api("POST", "/api/connectors", ALICE, { name: "scripted", server_id: scriptedId, auth_config: { type: "api_key", key: "alice-token" } });
  assert.equal(r.status, 201, r.text);
  assert.ok(!r.text.includes(scriptedServer), "the catalog server's endpoint was copied into the connector");
  r = await api("POST", `/api/connectors/${r.body.id}/connect`, ALICE);
  assert.equal(r.status, 200, r.text);
  const client = await agent(ALICE);
  const result = await client.callTool({ name: "scripted__environment", arguments: {} });
  const env = result.structuredContent.env;
  assert.equal(env.SCRIPTED_TOKEN, "alice-token");
  assert.equal(env.SCRIPTED_SERVER_KEY, "server-only-secret");
  for (const name of Object.keys(env))
    assert.ok(["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "SCRIPTED_TOKEN", "SCRIPTED_SERVER_KEY"].includes(name), name);
  assert.deepEqual(result.structuredContent.argv, ["connector"]);
  await client.close();
  assert.ok(!existsSync(pwned));
});

test("a catalog server's secrets stay sealed: refused outside auth_config, never shown", async () => {
  for (const [what, body] of Object.entries({
    "Authorization header": { headers: { Authorization: "Bearer s3cret" } },
    "Cookie header": { headers: { Cookie: "sid=s3cret" } },
    "Proxy-Authorization header": { headers: { "Proxy-Authorization": "Basic s3cret" } },
    "an API key header": { headers: { "X-Api-Key": "s3cret" } },
    "URL userinfo": { url: "https://user:s3cret@mcp.example.com/mcp" },
    "a key in the URL's query": { url: "https://mcp.example.com/mcp?token=s3cret" },
    "a key in query": { query: { api_key: "s3cret" } },
    "a Host header": { headers: { Host: "internal.example" } },
  })) {
    const r = await api("POST", "/api/servers", ADMIN, { name: "leaky", url: "https://mcp.example.com/mcp", ...body });
    assert.equal(r.status, 400, `${what}: ${r.text}`);
    assert.ok(!r.text.includes("s3cret"), `${what}: echoed`);
  }
  let r = await api("POST", "/api/servers", ADMIN, { name: "sealed", url: "https://mcp.example.com/v1/path-token/mcp", public: true,
    auth_config: { type: "bearer", token: "s3cret-bearer" } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.auth_type, "bearer");
  const id = r.body.id;
  for (const key of [ALICE, ADMIN]) {
    for (const path of ["/api/servers", `/api/servers/${id}`]) {
      r = await api("GET", path, key);
      assert.equal(r.status, 200);
      assert.ok(!r.text.includes("s3cret"), `${path}: a sealed secret was returned`);
      assert.ok(!r.text.includes("server-only-secret"), `${path}: a sealed secret was returned`);
    }
  }
  // A user sees the origin only; the administrator who may change it sees all but the sealed part.
  r = await api("GET", `/api/servers/${id}`, ALICE);
  assert.equal(r.body.url, "https://mcp.example.com");
  r = await api("GET", `/api/servers/${scriptedId}`, ALICE);
  assert.equal(r.body.args, undefined);
  assert.deepEqual(r.body.credential_env, ["SCRIPTED_TOKEN"]);
  r = await api("GET", `/api/servers/${id}`, ADMIN);
  assert.equal(r.body.url, "https://mcp.example.com/v1/path-token/mcp");
  await api("DELETE", `/api/servers/${id}`, ADMIN);
});

test("a disabled catalog server is revoked at once: list_changed, no tools, calls refused", async () => {
  let r = await api("GET", "/api/connectors", ALICE);
  assert.equal(r.body.connectors[0].status, "CONNECTED");
  // A server of this tenant that the administrator controls (global ones change in the configuration).
  r = await api("POST", "/api/servers", ADMIN, { name: "local", transport: "stdio", command: python,
    args: [scriptedServer, "connector"], public: true });
  assert.equal(r.status, 201, r.text);
  const local = r.body.id;
  r = await api("POST", "/api/connectors", ALICE, { name: "local", server_id: local });
  assert.equal(r.status, 201, r.text);
  r = await api("POST", `/api/connectors/${r.body.id}/connect`, ALICE);
  assert.equal(r.status, 200, r.text);
  const client = await agent(ALICE);
  let tools = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(tools.includes("local__seen"), tools.join(" "));
  const changed = new Promise((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve(true)));
  await new Promise((res) => setTimeout(res, 300));  // the standalone GET stream opens
  r = await api("PATCH", `/api/servers/${local}`, ADMIN, { enabled: false });
  assert.equal(r.status, 200, r.text);
  assert.equal(await Promise.race([changed, new Promise((res) => setTimeout(() => res(false), 5000))]), true);
  tools = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(!tools.includes("local__seen"), tools.join(" "));
  assert.ok(tools.includes("scripted__seen"), "other connectors are untouched");
  const refused = await client.callTool({ name: "local__seen", arguments: {} });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /^DISABLED: /);
  r = await api("DELETE", `/api/servers/${local}`, ADMIN);
  assert.equal(r.status, 204);
  const gone = await client.callTool({ name: "local__seen", arguments: {} });
  assert.match(gone.content[0].text, /^DISABLED: .*deleted/);
  await client.close();
});

test("limits: connection tests per minute and session names per user, answered 429", async () => {
  let status = 0;
  let n = 0;
  for (; n < 14 && status !== 429; n++) {
    const r = await api("POST", "/api/connectors/test", BOB, { url: "http://127.0.0.1:9/mcp" });
    status = r.status;
    if (status === 429) assert.equal(r.body.error, "RATE_LIMITED");
    else assert.equal(status, 200, r.text);
  }
  assert.equal(status, 429);
  assert.ok(n >= 7, `the limit is 6 a minute, refused after ${n - 1}`);  // more only across a minute's boundary
  let r = await api("POST", "/api/session/logout", ALICE);  // frees the session "default"
  assert.equal(r.status, 204);
  r = await api("POST", "/api/connectors", ALICE, { name: "third", server_id: scriptedId });
  assert.equal(r.status, 201, r.text);
  const id = r.body.id;
  for (const session of ["s-1", "s-2"]) {
    r = await api("POST", `/api/connectors/${id}/connect`, ALICE, undefined, session);
    assert.equal(r.status, 200, r.text);
  }
  r = await api("POST", `/api/connectors/${id}/connect`, ALICE, undefined, "s-3");
  assert.equal(r.status, 429, r.text);
  assert.equal(r.body.error, "LIMIT_REACHED");
  r = await api("POST", "/api/session/logout", ALICE, undefined, "s-1");
  assert.equal(r.status, 204);
  r = await api("POST", `/api/connectors/${id}/connect`, ALICE, undefined, "s-3");
  assert.equal(r.status, 200, r.text);
});

test("DNS rebinding: Host and Origin are checked on every route, loopback from IP literals only", async () => {
  for (const path of ["/api/connectors", "/healthz", "/mcp", "/nothing"]) {
    for (const headers of [{ Host: "127.evil.example" }, { Host: "127.0.0.1.evil.example" }, { Host: "localhost", Origin: "http://evil.example" },
      { Host: "localhost", Origin: "http://127.evil.example" }]) {
      const r = await rawApi("GET", path, { ...headers, "X-API-Key": ALICE });
      assert.equal(r.status, 403, `${path} ${JSON.stringify(headers)}: ${r.body}`);
    }
  }
  const ok = await rawApi("GET", "/api/connectors", { Host: "127.0.0.1", Origin: "http://localhost:5173", "X-API-Key": ALICE });
  assert.equal(ok.status, 200, ok.body);
});

test("bytes and ids a client chooses never get a 5xx", async () => {
  for (const path of [`/api/connectors/${"a".repeat(600)}`, `/api/connectors/con_${"0".repeat(5000)}`, `/api/servers/${"x".repeat(600)}`,
    `/api/categories/${"y".repeat(600)}`, "/api/connectors/con_%FF%FE", `/api/connectors/${"a".repeat(600)}/connect`]) {
    const r = await api(path.endsWith("/connect") ? "POST" : "GET", path, ALICE);
    assert.equal(r.status, 404, `${path.slice(0, 40)}: ${r.text.slice(0, 200)}`);
  }
  // Invalid UTF-8 in the path, raw.
  const answer = await rawBytes(Buffer.concat([Buffer.from("GET /api/\xff\xfe/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + ALICE + "\r\n\r\n", "latin1")]));
  assert.match(answer, /^HTTP\/1\.1 404 /);
  for (const body of [{ name: "a\u0000b", url: "https://mcp.example.com/mcp" }, { name: "\n", url: "https://mcp.example.com/mcp" },
    { name: "ok", url: "https://mcp.example.com/mcp\u0000" }, { name: "ok", url: "https://mcp.example.com/mcp", description: "nul\u0000" }]) {
    const r = await api("POST", "/api/connectors", ALICE, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  const bad = await api("POST", "/api/connectors", ALICE, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
  assert.equal(bad.status, 400, bad.text);
});
