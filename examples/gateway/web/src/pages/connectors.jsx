// The user's connectors: status in this session, tools, enable, connect, delete.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { describe } from "../messages.js";
import { LoadState } from "../load_state.jsx";
import { Notice } from "../notice.jsx";
import { ConfirmDialog } from "../confirm_dialog.jsx";
import { useApi } from "../use_api.js";

const STATUS = {
  CONNECTED: { label: "connected", class: "ok" },
  DISCONNECTED: { label: "disconnected", class: "idle" },
  FAILED: { label: "error", class: "bad" },
};

function statusOf(c) {
  if (!c.enabled) return { label: "disabled", class: "idle" };
  if (c.needs_sign_in) return { label: "needs sign-in", class: "warn" };
  return STATUS[c.status] || { label: c.status.toLowerCase(), class: "idle" };
}

function Row({ c, busy, act, askDelete }) {
  const s = statusOf(c);
  const connected = c.status === "CONNECTED";
  return (
    <li class="card" data-connector={c.name}>
      <div class="card-head">
        <h2>{c.name}</h2>
        <span class={`badge ${s.class}`} data-status={s.label}>
          {s.label}
        </span>
      </div>
      {c.description && <p>{c.description}</p>}
      <p class="meta">
        {c.tools.length} {c.tools.length === 1 ? "tool" : "tools"} · {c.server_id ? `from the catalog (${c.transport})` : c.url || c.transport}
        {" · "}sign-in: {c.auth_type}
      </p>
      <div class="actions">
        {c.needs_sign_in ? (
          <a class="button" href={`/connectors/${c.id}/sign-in`}>
            Sign in
          </a>
        ) : connected ? (
          <button type="button" disabled={busy} onClick={() => act(c, "disconnect")}>
            Disconnect
          </button>
        ) : (
          <button type="button" disabled={busy || !c.enabled} onClick={() => act(c, "connect")}>
            Connect
          </button>
        )}
        <a class="button secondary" href={`/connectors/${c.id}/edit`}>
          Edit
        </a>
        {c.auth_type === "oauth_sign_in" && !c.needs_sign_in && (
          <a class="button secondary" href={`/connectors/${c.id}/sign-in`}>
            Sign in again
          </a>
        )}
        <button type="button" class="secondary" disabled={busy} onClick={() => act(c, c.enabled ? "disable" : "enable")}>
          {c.enabled ? "Disable" : "Enable"}
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => askDelete(c)}>
          Delete
        </button>
      </div>
    </li>
  );
}

export function Connectors({ onUnauthenticated }) {
  const { loading, data, error, reload } = useApi(() => api("GET", "connectors"), onUnauthenticated);
  const [busy, setBusy] = useState("");
  const [notice, setNotice] = useState({ text: "", error: false });
  const [deleting, setDeleting] = useState(null);

  async function act(c, what) {
    setBusy(c.id);
    setNotice({ text: "", error: false });
    try {
      if (what === "connect" || what === "disconnect") await api("POST", `connectors/${c.id}/${what}`);
      else if (what === "delete") await api("DELETE", `connectors/${c.id}`);
      else await api("PATCH", `connectors/${c.id}`, { enabled: what === "enable" });
      const done = { connect: "connected", disconnect: "disconnected", delete: "deleted", enable: "enabled", disable: "disabled" };
      setNotice({ text: `${c.name} ${done[what]}.`, error: false });
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
      setNotice({ text: `${c.name}: ${describe(e)}`, error: true });
    } finally {
      setBusy("");
      reload();
    }
  }

  const list = data?.connectors || [];
  return (
    <section aria-busy={loading}>
      <div class="page-head">
        <h1>Connectors</h1>
        {data && (
          <p class="meta" data-testid="connector-count">
            {list.length} of {data.limit} connectors
          </p>
        )}
        <a class="button" href="/connectors/new">
          Add connector
        </a>
      </div>
      <Notice notice={notice} />
      <LoadState loading={loading} data={data} error={error} />
      {data && list.length === 0 && (
        <p>
          No connectors yet. <a href="/connectors/new">Add one</a> from the catalog or by its URL.
        </p>
      )}
      <ul class="cards">
        {list.map((c) => (
          <Row key={c.id} c={c} busy={busy === c.id} act={act} askDelete={setDeleting} />
        ))}
      </ul>
      <ConfirmDialog item={deleting} title={`Delete ${deleting?.name}?`} onConfirm={(c) => act(c, "delete")} onCancel={() => setDeleting(null)}>
        <p>Its stored credentials are deleted and its tools leave every session. This cannot be undone.</p>
      </ConfirmDialog>
    </section>
  );
}
