// Child processes and ports for the node interop tests.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/// Starts `cmd` with `args` (and `env` added to this process's) and resolves,
/// once its stderr matches `pattern`, with `{ child, match, log }`: `match` is
/// the first capture group (e.g. the URL it prints once listening) and `log()`
/// its stderr so far. Rejects when it exits first, with its stderr. The child
/// is pushed to `children`, when given, at once (to kill in `after`).
export function launch(cmd, args, pattern, env = {}, children = null) {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
  children?.push(child);
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = pattern.exec(err);
      if (m) resolve({ child, match: m[1], log: () => err });
    });
    child.on("exit", (code) => reject(new Error(`${cmd} exited with ${code}: ${err}`)));
  });
}

/// `launch` that records the child in `children` and resolves with the first
/// capture group of `pattern` only.
export const start = (children, cmd, args, pattern, env = {}) =>
  launch(cmd, args, pattern, env, children).then((s) => s.match);

/// Stops `child` with SIGTERM; resolves once it has exited.
export const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on("exit", resolve);
    child.kill("SIGTERM");
  });

/// A TCP port free on 127.0.0.1 right now.
export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/// A client of the gateway's JSON API at `base()` (a function, since the
/// gateway's address is known only once it runs): `(method, path, key, body,
/// session)` sends the API key, the `X-Gateway-Session` (default
/// `defaultSession`) and `body` (an object as JSON, a string or bytes as they
/// are), and resolves with `{ status, body, text }`, `body` the parsed JSON
/// or null.
export const gatewayApi = (base, defaultSession = "default") =>
  async (method, path, key, body, session = defaultSession) => {
    const headers = { "X-API-Key": key, "X-Gateway-Session": session };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(base() + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    const text = await r.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    return { status: r.status, body: json, text };
  };

/// The API keys of the gateway tests' three callers of tenant "acme": alice
/// and bob (users) and carol (an administrator).
export const ALICE = "alice-key-0123456789abcdef";
export const BOB = "bob-key-0123456789abcdef01";
export const ADMIN = "admin-key-0123456789abcdef";

/// The `auth` section of a gateway configuration for those three callers.
export const testCallers = () => ({
  api_keys: [
    { key: ALICE, subject: "alice", tenant: "acme" },
    { key: BOB, subject: "bob", tenant: "acme" },
    { key: ADMIN, subject: "carol", tenant: "acme", scopes: ["polymcp:admin"] },
  ],
});

/// Starts a redis-server of its own on 127.0.0.1:`port` (no persistence),
/// pushed to `children`; resolves with the child once it accepts connections.
export function startRedis(children, port) {
  const redis = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  children.push(redis);
  return new Promise((resolve, reject) => {
    let out = "";
    redis.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Ready to accept connections")) resolve(redis);
    });
    redis.on("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
}

/// A Fernet key (URL-safe base64 of 32 random bytes, padded), as
/// `Fernet.generate_key()` writes them.
export const fernetKey = () => randomBytes(32).toString("base64url") + "=";

/// Starts `count` instances of `server` (everything_server) sharing one
/// redis-server (started here) and one Fernet key, behind the round-robin
/// balancer of balancer.sh (nginx), every child pushed to `children`.
/// `keyFile` is a path the key is written to. Resolves with `{ url, instances,
/// redisPort }`: `url` the balancer's MCP endpoint, `instances` each
/// `{ child, port }`.
export async function balancedEverything(children, server, count, keyFile, options = []) {
  const redisPort = await freePort();
  await startRedis(children, redisPort);
  writeFileSync(keyFile, fernetKey() + "\n", { mode: 0o600 });
  const instances = [];
  for (let i = 0; i < count; ++i) {
    const s = await launch(server, ["--port", "0", "--redis", `127.0.0.1:${redisPort}`, "--key-file", keyFile, ...options],
      /listening on (https?:\S+)/, {}, children);
    instances.push({ child: s.child, port: new URL(s.match).port, log: s.log });
  }
  const port = await freePort();
  await launch("bash", [balancerScript, String(port), ...instances.map((s) => s.port)], /balancer: listening on (http:\S+)/,
    {}, children);
  return { url: new URL(`http://127.0.0.1:${port}/mcp`), instances, redisPort };
}

const balancerScript = fileURLToPath(new URL("./balancer.sh", import.meta.url));
