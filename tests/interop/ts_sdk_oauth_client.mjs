// Interop: the MCP authorization flow end to end, with the official
// TypeScript SDK client (v1, @modelcontextprotocol/sdk) and its OAuth
// provider as the real peer: a test authorization server
// (test_authorization_server.mjs, on the SDK's own mcpAuthRouter: RFC 8414
// metadata, dynamic client registration, authorization code with PKCE, tokens
// as ES256 JWTs for the requested resource) and polymcp's everything_server behind its OAuth
// resource-server policy (--auth-jwks/--auth-issuer).
//
// The client meets a 401, follows WWW-Authenticate to the RFC 9728
// metadata, discovers the authorization server, registers, authorizes with
// PKCE S256 and the RFC 8707 resource parameter, exchanges the code, and
// calls tools with the token. Then: a token for another resource is refused.
// Usage: node ts_sdk_oauth_client.mjs <path-to-everything_server>
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { startAuthorizationServer } from "./test_authorization_server.mjs";

const [server] = process.argv.slice(2);
if (!server) throw new Error("usage: ts_sdk_oauth_client.mjs <everything_server>");

let issuer, seen, jwt;
let as, child, mcpUrl;
before(async () => {
  as = await startAuthorizationServer();
  ({ issuer, seen, jwt } = as);

  // The canonical URI names the port, so choose a free one first.
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const p = probe.address().port;
      probe.close(() => resolve(p));
    });
  });
  child = spawn(server, ["--port", String(port), "--auth-jwks", `${issuer}jwks`, "--auth-issuer", issuer, "--auth-scopes", "mcp"],
                { stdio: ["ignore", "ignore", "pipe"] });
  mcpUrl = new URL(await listening(child));
});
after(() => {
  child?.kill("SIGTERM");
  as?.close();
});

function listening(proc) {
  return new Promise((resolve, reject) => {
    let err = "";
    proc.stderr.on("data", (d) => {
      err += d;
      const m = /listening on (https?:\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    proc.on("exit", (code) => reject(new Error(`everything_server exited with ${code}: ${err}`)));
  });
}

// ---- the client's OAuth provider (in memory; the redirect is followed by hand) --
class provider_in_memory {
  constructor() {
    this.redirectUrl = "http://127.0.0.1:1/callback";
    this.clientMetadata = { client_name: "polymcp interop", redirect_uris: [this.redirectUrl], grant_types: ["authorization_code"],
                            response_types: ["code"], token_endpoint_auth_method: "none" };
    this.code = undefined;
  }
  clientInformation() { return this._client; }
  saveClientInformation(c) { this._client = c; }
  tokens() { return this._tokens; }
  saveTokens(t) { this._tokens = t; }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
  state() { return "state-123"; }
  async redirectToAuthorization(url) {
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(url.searchParams.get("resource"), mcpUrl.href);
    const r = await fetch(url, { redirect: "manual" });
    const to = new URL(r.headers.get("location"));
    assert.equal(to.searchParams.get("state"), "state-123");
    this.code = to.searchParams.get("code");
  }
}

test("the TypeScript SDK client obtains a token from the authorization server and calls the protected polymcp server", async () => {
  const auth = new provider_in_memory();
  let transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: auth });
  let client = new Client({ name: "polymcp-oauth-interop", version: "1.0.0" });
  await assert.rejects(client.connect(transport), UnauthorizedError);  // 401 → discovery → authorization
  assert.ok(auth.code, "the authorization server redirected back with a code");
  assert.equal(seen.registrations.length, 1, "dynamic client registration (RFC 7591)");
  assert.equal(seen.authorizations[0].resource, mcpUrl.href, "the resource parameter (RFC 8707)");
  assert.deepEqual(seen.authorizations[0].scopes, ["mcp"], "the scope from WWW-Authenticate");
  await transport.finishAuth(auth.code);
  assert.equal(seen.tokenRequests.length, 1);
  assert.ok(auth.tokens().access_token.split(".").length === 3, "a JWT access token");

  transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: auth });
  client = new Client({ name: "polymcp-oauth-interop", version: "1.0.0" });
  await client.connect(transport);
  const tools = await client.listTools();
  assert.ok(tools.tools.some((t) => t.name === "test_simple_text"));
  const r = await client.callTool({ name: "test_simple_text", arguments: {} });
  assert.equal(r.content[0].text, "This is a simple text response for testing.");
  await transport.terminateSession();
  await client.close();
});

test("a token the authorization server issued for another resource is refused (RFC 8707 audience binding)", async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = jwt({ iss: issuer, sub: "alice", aud: "http://127.0.0.1:1/mcp", iat: now, exp: now + 300, scope: "mcp" });
  const r = await fetch(mcpUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize",
                           params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } }),
  });
  assert.equal(r.status, 401);
  assert.match(r.headers.get("www-authenticate"), /error="invalid_token"/);
  assert.match(r.headers.get("www-authenticate"), /resource_metadata="/);
});
