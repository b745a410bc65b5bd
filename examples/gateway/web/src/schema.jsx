// An inputSchema (JSON Schema) shown as the form it describes: each
// argument with its type, whether it is required, its description and
// allowed values.

function typeOf(s) {
  if (!s || typeof s !== "object") return "any";
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const t = Array.isArray(s.type) ? s.type.join(" or ") : s.type;
  if (t === "array") return `list of ${typeOf(s.items)}`;
  return t || (s.anyOf || s.oneOf ? "one of several shapes" : "any");
}

export function SchemaFields({ schema }) {
  const props = schema?.properties || {};
  const required = new Set(schema?.required || []);
  const names = Object.keys(props);
  if (names.length === 0) return <p class="meta">No arguments.</p>;
  return (
    <dl class="schema">
      {names.map((n) => (
        <div key={n}>
          <dt>
            <code>{n}</code> <span class="meta">{typeOf(props[n])}</span>
            {required.has(n) && <span class="badge idle">required</span>}
          </dt>
          {props[n]?.description && <dd>{props[n].description}</dd>}
        </div>
      ))}
    </dl>
  );
}
