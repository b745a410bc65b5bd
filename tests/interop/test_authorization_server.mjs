// A test OAuth 2.1 authorization server for the interop tests, built on the
// TypeScript SDK's own mcpAuthRouter: RFC 8414 metadata, dynamic client
// registration (RFC 7591), the authorization code flow with PKCE, and access
// tokens as ES256 JWTs for the requested resource (RFC 8707), verifiable
// with the JWK Set at <issuer>jwks. What it was asked is recorded in `seen`.
//
// consentPage false: the "user" approves at once (a redirect from the
// authorization endpoint); true: the endpoint answers an HTML page whose
// Approve button (a form POST to /consent) redirects back, for browsers.
import { generateKeyPairSync, randomBytes, randomUUID, sign } from "node:crypto";
import express from "express";
import { mcpAuthRouter } from "@modelcontextprotocol/sdk/server/auth/router.js";

export async function startAuthorizationServer({ consentPage = false, refreshTokens = false, scopes = ["mcp"], subject = "alice" } = {}) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "as-key-1", alg: "ES256", use: "sig" };
  const b64 = (b) => Buffer.from(b).toString("base64url");
  const jwt = (claims) => {
    const input = `${b64(JSON.stringify({ alg: "ES256", typ: "at+jwt", kid: "as-key-1" }))}.${b64(JSON.stringify(claims))}`;
    return `${input}.${b64(sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }))}`;
  };
  const seen = { registrations: [], authorizations: [], tokenRequests: [] };
  const clients = new Map();
  const consents = new Map();
  const codes = new Map();
  let issuer;

  const redirectWithCode = (pending, res) => {
    const code = randomBytes(16).toString("hex");
    codes.set(code, pending);
    const to = new URL(pending.params.redirectUri);
    to.searchParams.set("code", code);
    if (pending.params.state) to.searchParams.set("state", pending.params.state);
    res.redirect(to.href);
  };
  const provider = {
    clientsStore: {
      getClient: async (id) => clients.get(id),
      registerClient: async (c) => {
        const full = { ...c, client_id: randomUUID(), client_id_issued_at: Math.floor(Date.now() / 1000) };
        seen.registrations.push(full);
        clients.set(full.client_id, full);
        return full;
      },
    },
    async authorize(client, params, res) {
      seen.authorizations.push({ resource: params.resource?.href, scopes: params.scopes, challenge: params.codeChallenge });
      const pending = { client: client.client_id, params };
      if (!consentPage) return redirectWithCode(pending, res);
      const consent = randomBytes(8).toString("hex");
      consents.set(consent, pending);
      res.type("html").send(`<!doctype html><html lang="en"><title>Test authorization server</title>
<h1>Authorize ${client.client_name}</h1><p>It asks for: ${(params.scopes ?? []).join(" ")}</p>
<form method="post" action="/consent"><input type="hidden" name="consent" value="${consent}">
<button type="submit">Approve</button></form></html>`);
    },
    async challengeForAuthorizationCode(client, code) {
      return codes.get(code).params.codeChallenge;
    },
    async exchangeAuthorizationCode(client, code, verifier, redirectUri, resource) {
      const c = codes.get(code);
      codes.delete(code);
      if (!c || c.client !== client.client_id) throw new Error("invalid code");
      seen.tokenRequests.push({ resource: resource?.href, redirectUri });
      const now = Math.floor(Date.now() / 1000);
      const aud = (resource ?? c.params.resource)?.href;
      const scope = (c.params.scopes ?? []).join(" ");
      return {
        access_token: jwt({ iss: issuer, sub: subject, aud, iat: now, exp: now + 300, scope, client_id: client.client_id }),
        token_type: "Bearer",
        expires_in: 300,
        scope,
        ...(refreshTokens ? { refresh_token: randomBytes(16).toString("hex") } : {}),
      };
    },
    async exchangeRefreshToken() {
      throw new Error("no refresh grants in these tests");
    },
    async verifyAccessToken() {
      throw new Error("the resource server verifies tokens itself");
    },
  };

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const server = await new Promise((resolve) => {
    const l = app.listen(0, "127.0.0.1", () => resolve(l));
  });
  issuer = new URL(`http://127.0.0.1:${server.address().port}/`).href;
  app.get("/jwks", (req, res) => res.json({ keys: [jwk] }));
  app.get("/favicon.ico", (req, res) => res.status(204).end());  // browsers ask on every origin
  app.post("/consent", (req, res) => {
    const pending = consents.get(req.body.consent);
    consents.delete(req.body.consent);
    if (!pending) return res.status(400).send("unknown consent");
    redirectWithCode(pending, res);
  });
  app.use(mcpAuthRouter({ provider, issuerUrl: new URL(issuer), scopesSupported: scopes }));
  return {
    issuer,
    seen,
    jwt,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}
