// The system tools and this session's aggregated connector tools, with their
// arguments, renamings and collisions; each connector tool can be tried.
import { api } from "../api.js";
import { SchemaFields } from "../schema.jsx";
import { TryIt } from "../try_it.jsx";
import { LoadState } from "../load_state.jsx";
import { useApi } from "../use_api.js";

export function Tools({ onUnauthenticated }) {
  const { loading, data, error } = useApi(() => api("GET", "tools"), onUnauthenticated);
  return (
    <section aria-busy={loading}>
      <h1>Tools</h1>
      <LoadState loading={loading} data={data} error={error} />
      {data && (
        <>
          <h2>From your connectors, in session {data.session}</h2>
          {data.connector_tools.length === 0 && (
            <p>
              No connector is connected in this session. Connect one on the <a href="/connectors">connectors</a> page.
            </p>
          )}
          {data.collisions.length > 0 && (
            <div class="notice" role="note">
              <p>Some tools were renamed because their names collided:</p>
              <ul>
                {data.collisions.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            </div>
          )}
          <ul class="cards">
            {data.connector_tools.map((t) => (
              <li class="card" key={t.name} data-tool={t.name}>
                <h3>
                  <code>{t.name}</code>
                </h3>
                <p class="meta">
                  {t.tool_name} from {t.connector_name}
                  {t.name !== `${t.connector_name}__${t.tool_name}` && " (renamed)"}
                </p>
                {t.description && <p>{t.description}</p>}
                <SchemaFields schema={t.inputSchema} />
                <TryIt tool={t} onUnauthenticated={onUnauthenticated} />
              </li>
            ))}
          </ul>
          <h2>System tools</h2>
          <ul class="cards">
            {data.tools.map((t) => (
              <li class="card" key={t.id}>
                <h3>{t.name}</h3>
                <p>{t.description}</p>
                <p class="meta">
                  {t.category}
                  {t.mcp_name && (
                    <>
                      {" · MCP name "}
                      <code>{t.mcp_name}</code>
                    </>
                  )}
                  {t.is_beta && " · beta"}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
