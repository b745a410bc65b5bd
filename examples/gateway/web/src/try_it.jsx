// "Try it": a form made from a tool's inputSchema (a field per argument:
// text, number, a checkbox, a choice among its enum values, or JSON for
// lists and objects), a call through the gateway (POST /api/tools/call), and
// the result as the tool returned it: its text, its structured content, or
// its error.
import { useState } from "preact/hooks";
import { api } from "./api.js";
import { describe } from "./messages.js";

function kindOf(s) {
  if (!s || typeof s !== "object") return "json";
  if (Array.isArray(s.enum)) return "enum";
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
  if (t === "string") return "string";
  if (t === "integer" || t === "number") return "number";
  if (t === "boolean") return "boolean";
  return "json";
}

// The arguments object from the fields' text; throws an Error naming the field that does not read.
function argumentsOf(schema, values) {
  const props = schema?.properties || {};
  const out = {};
  for (const [name, s] of Object.entries(props)) {
    const v = values[name];
    const kind = kindOf(s);
    if (kind === "boolean") {
      if (v !== undefined) out[name] = v;
      continue;
    }
    if (v === undefined || v === "") continue;
    if (kind === "string") out[name] = v;
    else if (kind === "enum") out[name] = s.enum[Number(v)];
    else if (kind === "number") {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
      out[name] = n;
    } else {
      try {
        out[name] = JSON.parse(v);
      } catch {
        throw new Error(`${name} must be JSON, e.g. [1, 2] or {"a": 1}`);
      }
    }
  }
  return out;
}

function Field({ id, name, schema, required, value, onChange }) {
  const kind = kindOf(schema);
  const hint = schema?.description;
  const describedBy = hint ? `${id}-hint` : undefined;
  const label = (
    <label for={id}>
      {name}
      {required ? " (required)" : ""}
    </label>
  );
  let input;
  if (kind === "boolean")
    return (
      <div>
        <label class="choice">
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} /> {name}
        </label>
        {hint && <p id={describedBy} class="hint">{hint}</p>}
      </div>
    );
  if (kind === "enum")
    input = (
      <select id={id} required={required} value={value ?? ""} onChange={(e) => onChange(e.currentTarget.value)} aria-describedby={describedBy}>
        <option value="">—</option>
        {schema.enum.map((v, i) => (
          <option key={i} value={String(i)}>
            {JSON.stringify(v)}
          </option>
        ))}
      </select>
    );
  else if (kind === "json")
    input = (
      <textarea id={id} rows={3} required={required} value={value ?? ""} onInput={(e) => onChange(e.currentTarget.value)} aria-describedby={describedBy} />
    );
  else
    input = (
      <input
        id={id}
        type={kind === "number" ? "number" : "text"}
        step={kind === "number" ? "any" : undefined}
        required={required}
        value={value ?? ""}
        onInput={(e) => onChange(e.currentTarget.value)}
        aria-describedby={describedBy}
      />
    );
  return (
    <div>
      {label}
      {input}
      {hint && <p id={describedBy} class="hint">{hint}</p>}
    </div>
  );
}

function Result({ result }) {
  const texts = (result.content || []).filter((c) => c.type === "text").map((c) => c.text);
  const others = (result.content || []).filter((c) => c.type !== "text");
  return (
    <div class={result.isError ? "error" : "success"} role="status" data-testid="try-result">
      <p>
        <strong>{result.isError ? "The tool reported an error." : "Result"}</strong>
      </p>
      {texts.map((t, i) => (
        <pre key={i}>{t}</pre>
      ))}
      {others.length > 0 && <p class="meta">and {others.length} other content blocks ({others.map((c) => c.type).join(", ")})</p>}
      {result.structuredContent && <pre>{JSON.stringify(result.structuredContent, null, 2)}</pre>}
    </div>
  );
}

export function TryIt({ tool, onUnauthenticated }) {
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState({});
  const [state, setState] = useState({ pending: false, result: null, error: "" });
  const schema = tool.inputSchema || {};
  const required = new Set(schema.required || []);
  const base = `try-${tool.name}`.replace(/[^A-Za-z0-9_-]/g, "-");

  async function call(event) {
    event.preventDefault();
    let args;
    try {
      args = argumentsOf(schema, values);
    } catch (e) {
      return setState({ pending: false, result: null, error: e.message });
    }
    setState({ pending: true, result: null, error: "" });
    try {
      const { result } = await api("POST", "tools/call", { name: tool.name, arguments: args });
      setState({ pending: false, result, error: "" });
    } catch (e) {
      if (e.code === "UNAUTHENTICATED") return onUnauthenticated();
      setState({ pending: false, result: null, error: describe(e) });
    }
  }

  if (!open)
    return (
      <button type="button" class="secondary" onClick={() => setOpen(true)} aria-expanded="false">
        Try it
      </button>
    );
  return (
    <form class="form try-it" onSubmit={call} aria-label={`Try ${tool.name}`}>
      {Object.entries(schema.properties || {}).map(([name, s]) => (
        <Field
          key={name}
          id={`${base}-${name}`}
          name={name}
          schema={s}
          required={required.has(name)}
          value={values[name]}
          onChange={(v) => setValues({ ...values, [name]: v })}
        />
      ))}
      <div class="actions">
        <button type="submit" disabled={state.pending}>
          {state.pending ? "Calling…" : `Call ${tool.tool_name || tool.name}`}
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)} aria-expanded="true">
          Close
        </button>
      </div>
      {state.pending && (
        <p class="live" role="status">
          <span class="spinner" aria-hidden="true" /> Calling the tool through the gateway…
        </p>
      )}
      {state.error && (
        <p class="error" role="alert">
          {state.error}
        </p>
      )}
      {state.result && <Result result={state.result} />}
    </form>
  );
}
