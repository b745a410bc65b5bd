// The catalog: servers you can add, by category.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { LoadState } from "../load_state.jsx";
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

export function Catalog({ onUnauthenticated }) {
  const { loading, data, error } = useApi(
    async () => ({ categories: (await api("GET", "categories")).categories, servers: (await api("GET", "servers")).servers }),
    onUnauthenticated,
  );
  const [category, setCategory] = useState("");
  const servers = (data?.servers || []).filter((s) => !category || s.category_id === category);
  return (
    <section aria-busy={loading}>
      <h1>Catalog</h1>
      <LoadState loading={loading} data={data} error={error} />
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
                aria-pressed={category === c.id}
                style={COLOR.test(c.color || "") ? { "--category-color": c.color } : undefined}
                onClick={() => setCategory(c.id)}
              >
                <CategoryIcon icon={c.icon} />
                {c.name}
              </button>
            ))}
          </div>
          {servers.length === 0 && <p>No servers here yet.</p>}
          <ul class="cards">
            {servers.map((s) => (
              <li class="card" key={s.id} data-server={s.name}>
                <h2>{s.name}</h2>
                {s.description && <p>{s.description}</p>}
                <p class="meta">
                  {s.transport}
                  {s.requires_oauth && " · needs sign-in"}
                  {s.public && " · public"}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
