// The gateway on embedded defaults, as the README's first command runs it:
// no configuration at all. First start: a data directory of mode 0700 with
// an encryption key and an administrator API key, both 0600, and a warning
// to back the key up; records in SQLite there. A restart keeps both keys
// and the records.
// Usage: node gateway_defaults.mjs <gateway>
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { launch, stop } from "./processes.mjs";

const [gatewayBin] = process.argv.slice(2);
if (!gatewayBin) throw new Error("usage: gateway_defaults.mjs <gateway>");
const dir = mkdtempSync(join(tmpdir(), "polymcp-gateway-defaults-"));
const data = join(dir, "data");

const children = [];
after(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});
const listening = /listening on (http:\S+?) /;

// Starts the gateway with no configuration; resolves with { child, base, log() }.
const startGateway = () =>
  launch(gatewayBin, ["--data-dir", data, "--port", "0"], listening, {}, children).then((s) => ({ ...s, base: s.match }));
const mode = (path) => statSync(path).mode & 0o777;

test("first start: generated keys, private files, a warning, SQLite records", async () => {
  const g = await startGateway();
  assert.match(g.log(), /generated the encryption key .*encryption\.key \(mode 0600\)\. BACK IT UP/);
  assert.match(g.log(), /SQLite in .* \(records\) \+ memory \(sessions\)/);
  assert.equal(mode(data), 0o700);
  assert.equal(mode(join(data, "encryption.key")), 0o600);
  assert.equal(mode(join(data, "admin.key")), 0o600);
  const admin = readFileSync(join(data, "admin.key"), "utf8").trim();
  // Where the administrator key is, never the key itself.
  assert.match(g.log(), /administrator API key in .*admin\.key \(mode 0600\); read it there/);
  assert.ok(!g.log().includes(admin), "the administrator key was printed");
  assert.ok(existsSync(join(data, ".polymcp-gateway")), "the data directory has no marker");
  let r = await fetch(g.base + "/api/servers", {
    method: "POST",
    headers: { "X-API-Key": admin, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "kept", url: "https://mcp.example.com/mcp", public: true }),
  });
  assert.equal(r.status, 201, await r.text());
  // Without configuration the SSRF guard refuses loopback and private addresses.
  r = await fetch(g.base + "/api/connectors/test", {
    method: "POST",
    headers: { "X-API-Key": admin, "Content-Type": "application/json" },
    body: JSON.stringify({ url: g.base + "/mcp" }),
  });
  assert.equal((await r.json()).error, "SSRF_BLOCKED");
  await stop(g.child);
});

test("a restart keeps the keys and the records", async () => {
  const key = readFileSync(join(data, "encryption.key"), "utf8");
  const g = await startGateway();
  assert.doesNotMatch(g.log(), /generated/);
  assert.equal(readFileSync(join(data, "encryption.key"), "utf8"), key);
  const admin = readFileSync(join(data, "admin.key"), "utf8").trim();
  const r = await fetch(g.base + "/api/servers", { headers: { "X-API-Key": admin } });
  assert.deepEqual((await r.json()).servers.map((s) => s.name), ["kept"]);
  assert.equal((await fetch(g.base + "/healthz")).status, 200);
  assert.equal((await fetch(g.base + "/readyz")).status, 200);
  await stop(g.child);
});

test("with JWT bearer tokens instead of API keys: the token's subject and tenant are the caller", async () => {
  const { generateKeyPairSync, sign } = await import("node:crypto");
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256", use: "sig" };
  writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [jwk] }));
  writeFileSync(
    join(dir, "jwt.json"),
    JSON.stringify({ auth: { jwt: { jwks: join(dir, "jwks.json"), issuer: "https://auth.example.com", tenant_claim: "org" } } }),
  );
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const token = (claims) => {
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: "ES256", kid: "k1", typ: "JWT" })}.${b64({ iss: "https://auth.example.com", sub: "dora", org: "acme", iat: now, exp: now + 300, ...claims })}`;
    return `${input}.${sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  };
  const { child, match: base } = await launch(
    gatewayBin, ["--config", join(dir, "jwt.json"), "--data-dir", join(dir, "jwt-data"), "--port", "0"], listening, {}, children);
  const get = (t) => fetch(base + "/api/connectors", { headers: { Authorization: `Bearer ${t}` } });
  let r = await get(token({}));
  assert.equal(r.status, 200, await r.text());
  r = await get(token({ iss: "https://evil.example.com" }));
  assert.equal(r.status, 401);
  r = await get(token({ exp: Math.floor(Date.now() / 1000) - 3600 }));
  assert.equal(r.status, 401);
  // The tenant comes from the configured claim: dora of acme sees her own records only.
  r = await fetch(base + "/api/servers", {
    method: "POST",
    headers: { Authorization: `Bearer ${token({})}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "doras", url: "https://mcp.example.com/mcp" }),
  });
  const created = await r.json();
  assert.equal(created.tenant, "acme");
  assert.equal(created.owner, "dora");
  r = await fetch(base + `/api/servers/${created.id}`, { headers: { Authorization: `Bearer ${token({ org: "other" })}` } });
  assert.equal(r.status, 404);
  // A token without the tenant claim names no tenant: refused, never "every tenant".
  r = await get(token({ org: undefined }));
  const text = await r.text();
  assert.equal(r.status, 403, text);
  assert.match(JSON.parse(text).message, /no tenant/);
  await stop(child);
});

// Runs the gateway expecting it to refuse to start; resolves with its exit code and stderr.
const refusal = (args, env = {}) =>
  launch(gatewayBin, args, /listening on/, env, children).then(
    (s) => {
      s.child.kill("SIGKILL");
      throw new Error("the gateway started: " + s.log());
    },
    (e) => e.message,
  );

test("options are validated: ports, counts, API keys without a tenant", async () => {
  for (const port of ["abc", "70000", "-1", "8080x", "", "99999999999"]) {
    const message = await refusal(["--port", port, "--data-dir", join(dir, "unused")]);
    assert.match(message, /exited with 2/, port);
    assert.match(message, /port number from 0 to 65535/, port);
  }
  const message = await refusal(["--data-dir", join(dir, "unused"), "--port", "0"], { POLYMCP_GATEWAY_PORT: "70000" });
  assert.match(message, /exited with 2: .*POLYMCP_GATEWAY_PORT must be a port number/s);
  const configs = {
    "tenantless.json": [{ auth: { api_keys: [{ key: "k-0123456789abcdef", subject: "mallory" }] } }, /needs a 'tenant'/],
    "stdio-for-users.json": [{ connectors: { users_may_add_stdio: true } }, /users never choose a command/],
    "threads.json": [{ listen: { io_threads: 0 } }, /io_threads must be a whole number/],
    "limits.json": [{ connectors: { max_stdio_children: -3 } }, /max_stdio_children must be a whole number/],
    "port.json": [{ listen: { port: 65536 } }, /listen.port must be a port number/],
  };
  for (const [name, [config, why]] of Object.entries(configs)) {
    writeFileSync(join(dir, name), JSON.stringify(config));
    const m = await refusal(["--config", join(dir, name), "--data-dir", join(dir, "unused"), "--port", "0"]);
    assert.match(m, /exited with 2/, name);
    assert.match(m, why, name);
  }
  assert.ok(!existsSync(join(dir, "unused")), "a refused start created its data directory");
});

test("the data directory: created private, or one the gateway made; never another directory's mode", async () => {
  // A directory the gateway did not create (here: the test's own, with a file and mode 0755) is refused untouched.
  const foreign = join(dir, "foreign");
  mkdirSync(foreign);
  writeFileSync(join(foreign, "notes.txt"), "mine");
  chmodSync(foreign, 0o755);
  let m = await refusal(["--data-dir", foreign, "--port", "0"]);
  assert.match(m, /exited with 1: .*was not created by the gateway/s);
  assert.equal(mode(foreign), 0o755);
  assert.ok(!existsSync(join(foreign, "encryption.key")));
  // A file, and a link to a directory, are refused too.
  m = await refusal(["--data-dir", join(foreign, "notes.txt"), "--port", "0"]);
  assert.match(m, /not a directory/);
  const { symlinkSync } = await import("node:fs");
  symlinkSync(data, join(dir, "link"));
  m = await refusal(["--data-dir", join(dir, "link"), "--port", "0"]);
  assert.match(m, /not a directory/);
  // An empty directory of the gateway's user is taken and made private.
  const empty = join(dir, "empty");
  mkdirSync(empty);
  chmodSync(empty, 0o755);
  const g = await launch(gatewayBin, ["--data-dir", empty, "--port", "0"], listening, {}, children);
  assert.equal(mode(empty), 0o700);
  assert.ok(existsSync(join(empty, ".polymcp-gateway")));
  await stop(g.child);
});
