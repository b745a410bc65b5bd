// Signing in to a connector's server with OAuth, run by the gateway: this
// page sends the browser to the server's authorization server, which sends
// it back to /oauth/callback; that page hands the answer to the gateway,
// which checks it and keeps the tokens sealed. Agents are sent to the first
// page (an MCP URL-mode elicitation) when a connector needs a sign-in.
import { useEffect, useRef, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api } from "../api.js";
import { describe } from "../messages.js";
import { LoadState } from "../load_state.jsx";
import { useApi } from "../use_api.js";

export function ConnectorSignIn({ onUnauthenticated }) {
  const { params } = useRoute();
  const { loading, data, error } = useApi(() => api("GET", `connectors/${encodeURIComponent(params.id)}`), onUnauthenticated);
  const [state, setState] = useState({ pending: false, error: null });

  async function start() {
    setState({ pending: true, error: null });
    try {
      const { authorization_url } = await api("POST", `connectors/${encodeURIComponent(params.id)}/sign-in`);
      window.location.assign(authorization_url);
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
      setState({ pending: false, error: e });
    }
  }

  const c = data;
  return (
    <section aria-busy={loading || state.pending}>
      <h1>Sign in{c ? ` to ${c.name}` : ""}</h1>
      <LoadState loading={loading} data={data} error={error} />
      {c && c.auth_type !== "oauth_sign_in" && (
        <p class="error" role="alert">
          This connector does not sign in with OAuth: its credentials are set on the connector itself.
        </p>
      )}
      {c && c.auth_type === "oauth_sign_in" && (
        <>
          <p>
            {c.needs_sign_in
              ? `The server of ${c.name} asks you to sign in before the gateway may use it for you.`
              : `You are signed in to the server of ${c.name}. Sign in again to use another account or renew the grant.`}{" "}
            You are taken to its sign-in page, then brought back here.
          </p>
          <p class="meta">{c.url || (c.server_id ? "a server of the catalog" : "")}</p>
          <div class="actions">
            <button type="button" onClick={start} disabled={state.pending} data-testid="start-sign-in">
              {state.pending ? "Finding the server's sign-in page…" : `Sign in to ${c.name}`}
            </button>
            <a class="button secondary" href="/connectors">
              Not now
            </a>
          </div>
        </>
      )}
      {state.error && (
        <p class="error" role="alert">
          {describe(state.error)}
        </p>
      )}
    </section>
  );
}

export function SignInCallback({ onUnauthenticated }) {
  const [state, setState] = useState({ pending: true, connector: null, error: null });
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const query = window.location.search;
    // The code is single-use and short-lived, but it has no business in the history or a bookmark.
    window.history.replaceState(null, "", "/oauth/callback");
    const denied = new URLSearchParams(query).get("error");
    (async () => {
      try {
        const connector = await api("POST", "sign-in/callback", { query });
        setState({ pending: false, connector, error: null });
      } catch (e) {
        if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
        setState({ pending: false, connector: null, error: e, denied });
      }
    })();
  }, []);

  const c = state.connector;
  return (
    <section aria-busy={state.pending}>
      <h1>Signing in</h1>
      {state.pending && (
        <p class="live" role="status">
          <span class="spinner" aria-hidden="true" /> Checking the answer and testing the connection…
        </p>
      )}
      {c && (
        <div class="success" role="status" data-testid="signed-in">
          <p>
            <strong>Signed in to {c.name}.</strong> The gateway keeps the tokens sealed and renews them;{" "}
            {c.tools.length} {c.tools.length === 1 ? "tool is" : "tools are"} available.
          </p>
          <p>
            <a href="/connectors">Back to your connectors</a> to connect it in this session. An agent that asked you to
            sign in can now try again.
          </p>
        </div>
      )}
      {state.error && (
        <div class="error" role="alert">
          <p>
            {state.denied
              ? `The server's sign-in page refused (${state.denied}). `
              : ""}
            {describe(state.error)}
          </p>
          <p>
            <a href="/connectors">Back to your connectors</a>, then start the sign-in again.
          </p>
        </div>
      )}
    </section>
  );
}
