// Edit a connector: its name and description; for one added by URL, the URL;
// and, when asked, new credentials. A new URL or new credentials are tested
// by the gateway before they are kept; a failure is shown in plain words and
// changes nothing.
import { useEffect, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api } from "../api.js";
import { describe } from "../messages.js";
import { LoadState } from "../load_state.jsx";
import { useApi } from "../use_api.js";
import { AuthFields, authConfig, emptyAuth } from "../auth_fields.jsx";

export function EditConnector({ onUnauthenticated }) {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = encodeURIComponent(params.id);
  const { loading, data, error } = useApi(() => api("GET", `connectors/${id}`), onUnauthenticated);
  const [form, setForm] = useState(null);
  const [state, setState] = useState({ pending: false, error: null });
  useEffect(() => {
    if (data && !form)
      setForm({ name: data.name, description: data.description || "", url: data.url || "", replaceAuth: false, ...emptyAuth });
  }, [data]);
  const set = (field) => (e) =>
    setForm({ ...form, [field]: e.currentTarget.type === "checkbox" ? e.currentTarget.checked : e.currentTarget.value });

  async function save(event) {
    event.preventDefault();
    const patch = {};
    if (form.name.trim() !== data.name) patch.name = form.name.trim();
    if (form.description.trim() !== (data.description || "")) patch.description = form.description.trim();
    if (!data.server_id && form.url.trim() !== (data.url || "")) patch.url = form.url.trim();
    if (form.replaceAuth) patch.auth_config = authConfig(form);
    if (Object.keys(patch).length === 0) return route("/connectors");
    setState({ pending: true, error: null });
    try {
      const saved = await api("PATCH", `connectors/${id}`, patch);
      route(saved.needs_sign_in ? `/connectors/${saved.id}/sign-in` : "/connectors");
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
      setState({ pending: false, error: e });
    }
  }

  const retests = form && ((!data?.server_id && form.url.trim() !== (data?.url || "")) || form.replaceAuth);
  return (
    <section aria-busy={loading || state.pending}>
      <h1>Edit {data ? data.name : "connector"}</h1>
      <LoadState loading={loading} data={data} error={error} />
      {form && (
        <form class="form" onSubmit={save}>
          <label for="name">Name</label>
          <input id="name" required maxLength={64} value={form.name} onInput={set("name")} />
          <label for="description">Description (optional)</label>
          <input id="description" value={form.description} onInput={set("description")} />
          {data.server_id ? (
            <p class="meta">Made from a catalog server: its address changes in the catalog.</p>
          ) : (
            <>
              <label for="url">MCP endpoint URL</label>
              <input id="url" type="url" required value={form.url} onInput={set("url")} />
            </>
          )}
          <fieldset>
            <legend>Sign-in to the server</legend>
            <p class="meta">
              Now: {data.auth_type}
              {data.needs_sign_in && " (needs sign-in)"}. Stored credentials are never shown.
            </p>
            <label class="choice">
              <input type="checkbox" checked={form.replaceAuth} onChange={set("replaceAuth")} /> Replace the credentials
            </label>
            {form.replaceAuth && <AuthFields form={form} set={set} />}
          </fieldset>
          {retests && <p class="hint">The gateway tests the connection again before it keeps the change.</p>}
          <div class="actions">
            <button type="submit" disabled={state.pending}>
              {state.pending ? (retests ? "Testing and saving…" : "Saving…") : "Save changes"}
            </button>
            <a class="button secondary" href="/connectors">
              Cancel
            </a>
          </div>
          {state.error && (
            <div class="error" role="alert" data-error-code={state.error.code}>
              <p>{describe(state.error)}</p>
            </div>
          )}
        </form>
      )}
    </section>
  );
}
