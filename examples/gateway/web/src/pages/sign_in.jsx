// Sign-in to the gateway: with an API key (checked against the API before it
// is kept), or, when the gateway is an OAuth protected resource, on its
// authorization server's page (the gateway runs the flow; the tab keeps the
// sealed pending sign-in, then the access token, in sessionStorage).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, credentials } from "../api.js";
import { describe } from "../messages.js";

const PENDING = "polymcp.pendingSignIn";

// Asks the gateway how to sign in (no credentials needed): "api_key" or "oauth".
function useSignInMethod() {
  const [method, setMethod] = useState(null);
  useEffect(() => {
    fetch("/api/auth", { cache: "no-store", credentials: "omit" })
      .then((r) => (r.ok ? r.json() : { method: "api_key" }))
      .then((j) => setMethod(j.method === "oauth" ? "oauth" : "api_key"))
      .catch(() => setMethod("api_key"));
  }, []);
  return method;
}

async function post(path, body) {
  const r = await fetch(`/api/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body ?? {}),
    cache: "no-store",
    credentials: "omit",
  });
  const j = await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(j?.message || r.statusText), { code: j?.error || `HTTP_${r.status}` });
  return j;
}

function OAuthSignIn() {
  const [state, setState] = useState({ busy: false, error: "" });
  async function start() {
    setState({ busy: true, error: "" });
    try {
      const { authorization_url, pending } = await post("auth/start");
      sessionStorage.setItem(PENDING, pending);
      window.location.assign(authorization_url);
    } catch (e) {
      setState({ busy: false, error: describe(e) });
    }
  }
  return (
    <main class="sign-in" id="main">
      <h1>polymcp gateway</h1>
      <p>This gateway signs you in with your organization's account.</p>
      <button type="button" onClick={start} disabled={state.busy}>
        {state.busy ? "Finding the sign-in page…" : "Sign in with your organization"}
      </button>
      {state.error && (
        <p class="error" role="alert">
          {state.error}
        </p>
      )}
    </main>
  );
}

/** The page the authorization server sends the browser back to: finishes the gateway's sign-in. */
export function GatewayCallback({ onSignedIn }) {
  const [error, setError] = useState("");
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const query = window.location.search;
    const pending = sessionStorage.getItem(PENDING) || "";
    sessionStorage.removeItem(PENDING);
    window.history.replaceState(null, "", "/connectors");
    post("auth/callback", { query, pending })
      .then(({ access_token }) => {
        credentials.signInWithToken(access_token, "default");
        onSignedIn();
      })
      .catch((e) => setError(describe(e)));
  }, []);
  return (
    <main class="sign-in" id="main">
      <h1>polymcp gateway</h1>
      {error ? (
        <>
          <p class="error" role="alert">
            {error}
          </p>
          <p>
            <a href="/">Sign in again</a>
          </p>
        </>
      ) : (
        <p class="live" role="status">
          <span class="spinner" aria-hidden="true" /> Signing you in…
        </p>
      )}
    </main>
  );
}

export function SignIn({ onSignedIn }) {
  const method = useSignInMethod();
  if (method === "oauth") return <OAuthSignIn />;
  if (method === null)
    return (
      <main class="sign-in" id="main">
        <h1>polymcp gateway</h1>
        <p>Loading…</p>
      </main>
    );
  return <ApiKeySignIn onSignedIn={onSignedIn} />;
}

function ApiKeySignIn({ onSignedIn }) {
  const [key, setKey] = useState("");
  const [session, setSession] = useState("default");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError("");
    credentials.signIn(key.trim(), session.trim() || "default");
    try {
      await api("GET", "connectors");
      onSignedIn();
    } catch (e) {
      credentials.signOut();
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in" id="main">
      <h1>polymcp gateway</h1>
      <form onSubmit={submit} aria-describedby={error ? "sign-in-error" : undefined}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="current-password"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <label for="session">Session</label>
        <input id="session" value={session} onInput={(e) => setSession(e.currentTarget.value)} />
        <p class="hint">
          Connections are kept per session; an agent that sends <code>X-Gateway-Session</code> with the same name sees
          the same connectors connected.
        </p>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
