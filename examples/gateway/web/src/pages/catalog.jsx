// The catalog: servers you can add, by category. Everyone may add servers of
// their own; administrators also publish servers to every user of their
// tenant, run local (stdio) servers, and manage the categories.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { describe } from "../messages.js";
import { LoadState } from "../load_state.jsx";
import { Notice } from "../notice.jsx";
import { ConfirmDialog } from "../confirm_dialog.jsx";
import { useApi } from "../use_api.js";

// A category's colour: a CSS hex colour, set as a custom property (never markup).
const COLOR = /^#[0-9a-fA-F]{3,8}$/;

// A category's icon: an https: image or a short text (an emoji).
function CategoryIcon({ icon }) {
  if (!icon) return null;
  if (icon.startsWith("https://")) return <img class="icon" src={icon} alt="" referrerpolicy="no-referrer" />;
  return (
    <span class="icon" aria-hidden="true">
      {icon.slice(0, 8)}
    </span>
  );
}

// A form's last row: save (busy while saving), cancel, and why saving failed.
function FormEnd({ state, save, onCancel }) {
  return (
    <>
      <div class="actions">
        <button type="submit" disabled={state.pending}>
          {state.pending ? "Saving…" : save}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {state.error && (
        <p class="error" role="alert">
          {state.error}
        </p>
      )}
    </>
  );
}

const emptyCategory = { name: "", icon: "", color: "#1f4e79", description: "" };

function CategoryForm({ initial, onSaved, onCancel }) {
  const [form, setForm] = useState(initial || emptyCategory);
  const [state, setState] = useState({ pending: false, error: "" });
  const set = (f) => (e) => setForm({ ...form, [f]: e.currentTarget.value });
  async function save(event) {
    event.preventDefault();
    setState({ pending: true, error: "" });
    const body = { name: form.name.trim(), icon: form.icon.trim(), color: form.color, description: form.description.trim() };
    try {
      if (initial?.id) await api("PATCH", `categories/${initial.id}`, body);
      else await api("POST", "categories", body);
      onSaved(`Category ${body.name} saved.`);
    } catch (e) {
      setState({ pending: false, error: describe(e) });
    }
  }
  return (
    <form class="form card" onSubmit={save} aria-label={initial?.id ? `Edit category ${initial.name}` : "New category"}>
      <h2>{initial?.id ? `Edit ${initial.name}` : "New category"}</h2>
      <label for="category-name">Name</label>
      <input id="category-name" required maxLength={64} value={form.name} onInput={set("name")} />
      <label for="category-icon">Icon (an emoji, or an https: image URL)</label>
      <input id="category-icon" value={form.icon} onInput={set("icon")} />
      <label for="category-color">Colour</label>
      <input id="category-color" type="color" value={COLOR.test(form.color) ? form.color : "#1f4e79"} onInput={set("color")} />
      <label for="category-description">Description (optional)</label>
      <input id="category-description" value={form.description} onInput={set("description")} />
      <FormEnd state={state} save="Save category" onCancel={onCancel} />
    </form>
  );
}

const emptyServer = {
  name: "",
  description: "",
  transport: "streamable_http",
  url: "",
  command: "",
  args: "",
  category_id: "",
  public: false,
  requires_oauth: false,
  clientId: "",
  clientSecret: "",
};

function ServerForm({ initial, categories, admin, onSaved, onCancel }) {
  const editing = Boolean(initial?.id);
  const [form, setForm] = useState(
    initial
      ? { ...emptyServer, ...initial, args: (initial.args || []).join(" "), category_id: initial.category_id || "", clientId: "", clientSecret: "" }
      : emptyServer,
  );
  const [state, setState] = useState({ pending: false, error: "" });
  const set = (f) => (e) => setForm({ ...form, [f]: e.currentTarget.type === "checkbox" ? e.currentTarget.checked : e.currentTarget.value });
  async function save(event) {
    event.preventDefault();
    setState({ pending: true, error: "" });
    const body = {
      name: form.name.trim(),
      description: form.description.trim(),
      category_id: form.category_id || null,
      requires_oauth: form.requires_oauth,
    };
    if (admin) body.public = form.public;
    // A client registered with the server's authorization server: the gateway signs users in as it.
    if (form.requires_oauth && form.transport !== "stdio" && form.clientId.trim()) {
      body.auth_config = { type: "oauth_client", client_id: form.clientId.trim() };
      if (form.clientSecret) body.auth_config.client_secret = form.clientSecret;
    }
    if (!editing) {
      body.transport = form.transport;
      if (form.transport === "stdio") {
        body.command = form.command.trim();
        body.args = form.args.trim() ? form.args.trim().split(/\s+/) : [];
      } else body.url = form.url.trim();
    }
    try {
      if (editing) await api("PATCH", `servers/${initial.id}`, body);
      else await api("POST", "servers", body);
      onSaved(`Server ${body.name} saved.`);
    } catch (e) {
      setState({ pending: false, error: describe(e) });
    }
  }
  return (
    <form class="form card" onSubmit={save} aria-label={editing ? `Edit server ${initial.name}` : "New server"}>
      <h2>{editing ? `Edit ${initial.name}` : "New server"}</h2>
      <label for="server-name">Name</label>
      <input id="server-name" required maxLength={64} value={form.name} onInput={set("name")} />
      <label for="server-description">Description (optional)</label>
      <input id="server-description" value={form.description} onInput={set("description")} />
      {!editing && (
        <>
          <label for="server-transport">Transport</label>
          <select id="server-transport" value={form.transport} onChange={set("transport")}>
            <option value="streamable_http">Streamable HTTP</option>
            <option value="sse">HTTP with SSE (2024-11-05)</option>
            {admin && <option value="stdio">Local process (stdio)</option>}
          </select>
          {form.transport === "stdio" ? (
            <>
              <label for="server-command">Command (an absolute path)</label>
              <input id="server-command" required value={form.command} onInput={set("command")} />
              <label for="server-args">Arguments (separated by spaces)</label>
              <input id="server-args" value={form.args} onInput={set("args")} />
            </>
          ) : (
            <>
              <label for="server-url">MCP endpoint URL</label>
              <input id="server-url" type="url" required value={form.url} onInput={set("url")} />
            </>
          )}
        </>
      )}
      <label for="server-category">Category</label>
      <select id="server-category" value={form.category_id} onChange={set("category_id")}>
        <option value="">None</option>
        {categories.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
      <label class="choice">
        <input type="checkbox" checked={form.requires_oauth} onChange={set("requires_oauth")} /> Users sign in to it with OAuth
      </label>
      {form.requires_oauth && form.transport !== "stdio" && (
        <>
          <p class="hint">
            If this gateway has a client registered with the server's authorization server, enter it; users then sign in
            as that client. Otherwise the gateway registers itself. {editing && "Leave empty to keep the current one."}
          </p>
          <label for="server-client-id">OAuth client ID (optional)</label>
          <input id="server-client-id" autoComplete="off" value={form.clientId} onInput={set("clientId")} />
          <label for="server-client-secret">OAuth client secret (optional)</label>
          <input
            id="server-client-secret"
            type="password"
            autoComplete="off"
            value={form.clientSecret}
            onInput={set("clientSecret")}
            disabled={!form.clientId.trim()}
          />
        </>
      )}
      {admin && (
        <label class="choice">
          <input type="checkbox" checked={form.public} onChange={set("public")} /> Published: every user of this tenant sees it
        </label>
      )}
      <FormEnd state={state} save="Save server" onCancel={onCancel} />
    </form>
  );
}

export function Catalog({ onUnauthenticated }) {
  const { loading, data, error, reload } = useApi(
    async () => ({
      me: await api("GET", "me"),
      categories: (await api("GET", "categories")).categories,
      servers: (await api("GET", "servers")).servers,
    }),
    onUnauthenticated,
  );
  const [category, setCategory] = useState("");
  const [editing, setEditing] = useState(null); // {kind: "category"|"server", item?}
  const [deleting, setDeleting] = useState(null);
  const [notice, setNotice] = useState({ text: "", error: false });
  const admin = Boolean(data?.me.administrator);
  const servers = (data?.servers || []).filter((s) => !category || s.category_id === category);
  const categoryName = (id) => data?.categories.find((c) => c.id === id)?.name;
  // As the gateway decides (catalog::may_manage): its owner, or an administrator of its tenant.
  const mayManage = (s) => {
    const me = data.me;
    if (!s.tenant && !s.owner) return admin;
    return (s.tenant === me.tenant && s.owner === me.subject) || (admin && s.tenant === me.tenant);
  };

  const saved = (text) => {
    setEditing(null);
    setNotice({ text, error: false });
    reload();
  };
  async function remove(what) {
    try {
      await api("DELETE", `${what.kind === "category" ? "categories" : "servers"}/${what.id}`);
      setNotice({ text: `${what.name} deleted.`, error: false });
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
      setNotice({ text: `${what.name}: ${describe(e)}`, error: true });
    } finally {
      setDeleting(null);
      reload();
    }
  }
  async function publish(s, value) {
    try {
      await api("PATCH", `servers/${s.id}`, { public: value });
      setNotice({ text: `${s.name} ${value ? "published" : "unpublished"}.`, error: false });
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
      setNotice({ text: `${s.name}: ${describe(e)}`, error: true });
    } finally {
      reload();
    }
  }

  return (
    <section aria-busy={loading}>
      <div class="page-head">
        <h1>Catalog</h1>
        {data && (
          <div class="actions">
            <button type="button" onClick={() => setEditing({ kind: "server" })}>
              New server
            </button>
            {admin && (
              <button type="button" class="secondary" onClick={() => setEditing({ kind: "category" })}>
                New category
              </button>
            )}
          </div>
        )}
      </div>
      <Notice notice={notice} />
      <LoadState loading={loading} data={data} error={error} />
      {editing?.kind === "category" && <CategoryForm initial={editing.item} onSaved={saved} onCancel={() => setEditing(null)} />}
      {editing?.kind === "server" && (
        <ServerForm initial={editing.item} categories={data.categories} admin={admin} onSaved={saved} onCancel={() => setEditing(null)} />
      )}
      {data && (
        <>
          <div class="chips" role="group" aria-label="Categories">
            <button type="button" class="chip" aria-pressed={category === ""} onClick={() => setCategory("")}>
              All
            </button>
            {data.categories.map((c) => (
              <button
                type="button"
                key={c.id}
                class="chip"
                data-category={c.name}
                aria-pressed={category === c.id}
                style={COLOR.test(c.color || "") ? { "--category-color": c.color } : undefined}
                onClick={() => setCategory(c.id)}
              >
                <CategoryIcon icon={c.icon} />
                {c.name}
              </button>
            ))}
          </div>
          {admin && category && (
            <div class="actions">
              <button type="button" class="secondary" onClick={() => setEditing({ kind: "category", item: data.categories.find((c) => c.id === category) })}>
                Edit category
              </button>
              <button
                type="button"
                class="danger"
                onClick={() => setDeleting({ kind: "category", ...data.categories.find((c) => c.id === category) })}
              >
                Delete category
              </button>
            </div>
          )}
          {servers.length === 0 && <p>No servers here yet.</p>}
          <ul class="cards">
            {servers.map((s) => (
              <li class="card" key={s.id} data-server={s.name}>
                <h2>{s.name}</h2>
                {s.description && <p>{s.description}</p>}
                <p class="meta">
                  {s.transport}
                  {s.category_id && categoryName(s.category_id) && ` · ${categoryName(s.category_id)}`}
                  {s.requires_oauth && " · needs sign-in"}
                  {s.public ? " · published" : " · yours only"}
                </p>
                <div class="actions">
                  <a class="button" href={`/connectors/new?server=${encodeURIComponent(s.id)}`}>
                    Add as connector
                  </a>
                  {mayManage(s) ? (
                    <>
                      <button type="button" class="secondary" onClick={() => setEditing({ kind: "server", item: s })}>
                        Edit
                      </button>
                      {admin && (
                        <button type="button" class="secondary" onClick={() => publish(s, !s.public)}>
                          {s.public ? "Unpublish" : "Publish"}
                        </button>
                      )}
                      <button type="button" class="danger" onClick={() => setDeleting({ kind: "server", ...s })}>
                        Delete
                      </button>
                    </>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
      <ConfirmDialog item={deleting} title={`Delete ${deleting?.name}?`} onConfirm={remove} onCancel={() => setDeleting(null)}>
        <p>
          {deleting?.kind === "category"
            ? "Its servers stay in the catalog, without a category."
            : "Connectors made from it stop working for every user who has one."}
        </p>
      </ConfirmDialog>
    </section>
  );
}
