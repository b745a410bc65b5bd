// How the gateway signs in to a connector's server: the choice of
// auth_config type and its fields, shared by the add and edit pages.

export const AUTH_TYPES = [
  { value: "none", label: "None" },
  { value: "bearer", label: "Bearer token" },
  { value: "api_key", label: "API key in a header" },
  { value: "oauth_sign_in", label: "OAuth: sign in with the server's own sign-in page" },
];

export const emptyAuth = { auth: "none", token: "", key: "", header: "X-API-Key", clientId: "", clientSecret: "", scope: "" };

/** The `auth_config` of the form's fields (docs/gateway.md, "API reference"). */
export function authConfig(form) {
  if (form.auth === "bearer") return { type: "bearer", token: form.token };
  if (form.auth === "api_key") return { type: "api_key", key: form.key, header: form.header || "X-API-Key" };
  if (form.auth === "oauth_sign_in") {
    const c = { type: "oauth_sign_in" };
    if (form.clientId.trim()) c.client_id = form.clientId.trim();
    if (form.clientId.trim() && form.clientSecret) c.client_secret = form.clientSecret;
    if (form.scope.trim()) c.scope = form.scope.trim();
    return c;
  }
  return { type: "none" };
}

/** The type choice and its fields; `set(field)` makes an input handler. */
export function AuthFields({ form, set }) {
  return (
    <>
      <label for="auth">Authentication</label>
      <select id="auth" value={form.auth} onChange={set("auth")}>
        {AUTH_TYPES.map((a) => (
          <option key={a.value} value={a.value}>
            {a.label}
          </option>
        ))}
      </select>
      {form.auth === "bearer" && (
        <>
          <label for="token">Token</label>
          <input id="token" type="password" autoComplete="off" required value={form.token} onInput={set("token")} />
        </>
      )}
      {form.auth === "oauth_sign_in" && (
        <>
          <p class="hint">
            The gateway finds the server's authorization server and registers itself there. If the server's owner
            gave you a client ID for this gateway, enter it; otherwise leave these empty.
          </p>
          <label for="client-id">Client ID (optional)</label>
          <input id="client-id" autoComplete="off" value={form.clientId} onInput={set("clientId")} />
          <label for="client-secret">Client secret (optional)</label>
          <input
            id="client-secret"
            type="password"
            autoComplete="off"
            value={form.clientSecret}
            onInput={set("clientSecret")}
            disabled={!form.clientId.trim()}
          />
          <label for="scope">Scopes (optional, space-separated)</label>
          <input id="scope" autoComplete="off" value={form.scope} onInput={set("scope")} />
        </>
      )}
      {form.auth === "api_key" && (
        <>
          <label for="key">API key</label>
          <input id="key" type="password" autoComplete="off" required value={form.key} onInput={set("key")} />
          <label for="header">Header</label>
          <input id="header" value={form.header} onInput={set("header")} />
        </>
      )}
    </>
  );
}
