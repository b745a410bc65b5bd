// The gateway on embedded defaults, as the README's first command runs it:
// no configuration at all. First start: a data directory of mode 0700 with
// an encryption key and an administrator API key, both 0600, and a warning
// to back the key up; records in SQLite there. A restart keeps both keys
// and the records.
// Usage: node gateway_defaults.mjs <gateway>
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
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
  assert.match(g.log(), new RegExp(`administrator API key in .* \\(mode 0600\\): ${admin}`));
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
  const { writeFileSync } = await import("node:fs");
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
  await stop(child);
});
