// Sign-in with an API key: checked against the API before it is kept.
import { useState } from "preact/hooks";
import { api, credentials } from "../api.js";
import { describe } from "../messages.js";

export function SignIn({ onSignedIn }) {
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
