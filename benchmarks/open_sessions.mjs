// Opens COUNT 2025-11-25 sessions on the MCP endpoint URL (initialize, then
// notifications/initialized) and leaves them idle; prints how many opened.
// usage: node open_sessions.mjs URL COUNT
const [url, count] = process.argv.slice(2);
const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
let opened = 0;
async function open() {
  const r = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "idle", version: "1" } } }),
  });
  await r.text();
  const sid = r.headers.get("mcp-session-id");
  if (!sid) throw new Error(`initialize: HTTP ${r.status}`);
  const n = await fetch(url, {
    method: "POST",
    headers: { ...headers, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await n.text();
  ++opened;
}
const n = Number(count);
for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, open));
console.log(opened);
