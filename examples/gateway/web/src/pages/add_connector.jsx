// Add a connector: from the catalog or by URL, with its sign-in; tested
// first (the discovered tools, or the failure in plain words), then saved.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api } from "../api.js";
import { describe } from "../messages.js";
import { useApi } from "../use_api.js";
import { AuthFields, authConfig, emptyAuth } from "../auth_fields.jsx";

function body(form) {
  // A local process takes no credentials from this form (an administrator's catalog server declares its variables).
  const b = { auth_config: form.source === "stdio" ? { type: "none" } : authConfig(form) };
  if (form.name.trim()) b.name = form.name.trim();
  if (form.description.trim()) b.description = form.description.trim();
  if (form.source === "catalog") b.server_id = form.serverId;
  else if (form.source === "stdio") {
    b.transport = "stdio";
    b.command = form.command.trim();
    b.args = form.args.trim() ? form.args.trim().split(/\s+/) : [];
  } else b.url = form.url.trim();
  return b;
}

// An OAuth server answering "sign in first" to a connector that signs in with OAuth: as expected.
export function awaitsSignIn(form, result) {
  return form.auth === "oauth_sign_in" && result && !result.pending && !result.success && result.error === "AUTH_REQUIRED";
}

function TestResult({ result, signInLater }) {
  if (!result) return null;
  if (signInLater)
    return (
      <div class="success" role="status" data-testid="test-sign-in">
        <p>
          <strong>The server asks you to sign in.</strong> Save the connector; you are then taken to the server's sign-in
          page, and its tools are listed once you have signed in.
        </p>
      </div>
    );
  if (result.pending)
    return (
      <p class="live" role="status">
        <span class="spinner" aria-hidden="true" /> Testing the connection… (up to the gateway's test timeout)
      </p>
    );
  if (!result.success)
    return (
      <div class="error" role="alert" data-error-code={result.error}>
        <p>
          <strong>The test failed ({result.error}).</strong> {describe({ code: result.error, message: result.message })}
        </p>
      </div>
    );
  return (
    <div class="success" role="status" data-testid="test-success">
      <p>
        <strong>Connected</strong> to {result.server_info?.name || "the server"} (MCP {result.protocol_version}) in{" "}
        {result.elapsed_ms} ms: {result.tools.length} {result.tools.length === 1 ? "tool" : "tools"}.
      </p>
      {result.note && <p>{result.note}</p>}
      <ul class="tool-names">
        {result.tools.map((t) => (
          <li key={t.name}>
            <code>{t.name}</code> {t.description && <span>— {t.description}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function AddConnector({ onUnauthenticated }) {
  const { route, query } = useLocation();
  const { data } = useApi(
    async () => ({
      servers: (await api("GET", "servers")).servers,
      list: await api("GET", "connectors"),
      me: await api("GET", "me"),
    }),
    onUnauthenticated,
  );
  const [form, setForm] = useState({
    source: query?.server ? "catalog" : "url",
    serverId: query?.server || "",
    url: "",
    name: "",
    description: "",
    ...emptyAuth,
    command: "",
    args: "",
  });
  const [result, setResult] = useState(null);
  const [saveError, setSaveError] = useState("");
  const [saving, setSaving] = useState(false);
  const set = (field) => (e) => {
    setForm({ ...form, [field]: e.currentTarget.value });
    setResult(null);
  };
  // A catalog server that users sign in to with OAuth: the sign-in is the gateway's.
  const chooseServer = (e) => {
    const id = e.currentTarget.value;
    const server = (data?.servers || []).find((s) => s.id === id);
    setForm({ ...form, serverId: id, auth: server?.requires_oauth ? "oauth_sign_in" : form.auth });
    setResult(null);
  };

  const count = data?.list.connectors.length ?? 0;
  const limit = data?.list.limit ?? Infinity;
  const full = count >= limit;
  const servers = data?.servers || [];

  async function test() {
    setResult({ pending: true });
    setSaveError("");
    try {
      setResult(await api("POST", "connectors/test", body(form)));
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
      setResult({ success: false, error: e.code, message: e.message });
    }
  }

  async function save(event) {
    event.preventDefault();
    setSaving(true);
    setSaveError("");
    try {
      const created = await api("POST", "connectors", body(form));
      route(created.needs_sign_in ? `/connectors/${created.id}/sign-in` : "/connectors");
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
      setSaveError(describe(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section>
      <h1>Add connector</h1>
      {data && (
        <p class={full ? "error" : "meta"} data-testid="connector-limit">
          {full
            ? `You have ${count} of ${limit} connectors, the most you may have. Delete one to add another.`
            : `You have ${count} of ${limit} connectors.`}
        </p>
      )}
      <form onSubmit={save} class="form">
        <fieldset>
          <legend>Server</legend>
          <label class="choice">
            <input type="radio" name="source" value="url" checked={form.source === "url"} onChange={set("source")} /> By URL
          </label>
          <label class="choice">
            <input
              type="radio"
              name="source"
              value="catalog"
              checked={form.source === "catalog"}
              onChange={set("source")}
              disabled={servers.length === 0}
            />{" "}
            From the catalog
          </label>
          {data?.me.administrator && (
            <label class="choice">
              <input type="radio" name="source" value="stdio" checked={form.source === "stdio"} onChange={set("source")} /> A local
              process (stdio; administrators only)
            </label>
          )}
          {form.source === "stdio" ? (
            <>
              <label for="command">Command (an absolute path)</label>
              <input id="command" required value={form.command} onInput={set("command")} />
              <label for="args">Arguments (separated by spaces)</label>
              <input id="args" value={form.args} onInput={set("args")} />
              <p class="hint">
                The gateway starts it for each session that connects, passing on only <code>PATH</code>, <code>HOME</code>,
                the locale, <code>TZ</code>, <code>TMPDIR</code> and <code>USER</code> of its own environment.
              </p>
            </>
          ) : form.source === "url" ? (
            <>
              <label for="url">MCP endpoint URL</label>
              <input id="url" type="url" required placeholder="https://example.com/mcp" value={form.url} onInput={set("url")} />
            </>
          ) : (
            <>
              <label for="server">Catalog server</label>
              {/* Each option says whether it is chosen: the list may arrive after the choice (a catalog link). */}
              <select id="server" required onChange={chooseServer} disabled={!data}>
                <option value="" selected={form.serverId === ""}>
                  {data ? "Choose a server" : "Loading the catalog…"}
                </option>
                {servers.map((s) => (
                  <option key={s.id} value={s.id} selected={s.id === form.serverId}>
                    {s.name}
                    {s.description ? ` — ${s.description}` : ""}
                  </option>
                ))}
              </select>
            </>
          )}
        </fieldset>
        <label for="name">Name</label>
        <input id="name" required maxLength={64} value={form.name} onInput={set("name")} aria-describedby="name-hint" />
        <p id="name-hint" class="hint">
          Its tools are named <code>{form.name || "name"}__tool</code> for agents.
        </p>
        <label for="description">Description (optional)</label>
        <input id="description" value={form.description} onInput={set("description")} />
        <fieldset>
          <legend>Sign-in to the server</legend>
          {form.source === "stdio" ? (
            <p class="hint">A local process gets no credentials here; publish it in the catalog to declare its variables.</p>
          ) : (
            <>
              <AuthFields form={form} set={set} />
              <p class="hint">Credentials are sealed by the gateway and never shown again.</p>
            </>
          )}
        </fieldset>
        <div class="actions">
          <button type="button" onClick={test} disabled={result?.pending || full}>
            Test connection
          </button>
          <button type="submit" disabled={!(result?.success || awaitsSignIn(form, result)) || saving || full}>
            {saving ? "Saving…" : "Save"}
          </button>
        </div>
        <TestResult result={result} signInLater={awaitsSignIn(form, result)} />
        {saveError && (
          <p class="error" role="alert">
            {saveError}
          </p>
        )}
      </form>
    </section>
  );
}
