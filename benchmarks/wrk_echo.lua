-- wrk script: tools/call of a tool named TOOL_NAME (default "echo") on an
-- established session (SESSION_ID from the environment), a fresh JSON-RPC id
-- per request, JSON responses. With API_KEY set, it is sent as X-API-Key
-- with X-Gateway-Session: bench (the gateway's caller).
local counter = 0
local session = os.getenv("SESSION_ID")
local tool = os.getenv("TOOL_NAME") or "echo"
local headers = {
  ["Content-Type"] = "application/json",
  ["Accept"] = "application/json, text/event-stream",
  ["Mcp-Session-Id"] = session,
  ["MCP-Protocol-Version"] = "2025-11-25",
}
if os.getenv("API_KEY") then
  headers["X-API-Key"] = os.getenv("API_KEY")
  headers["X-Gateway-Session"] = "bench"
end
function request()
  counter = counter + 1
  local body = '{"jsonrpc":"2.0","id":' .. counter ..
    ',"method":"tools/call","params":{"name":"' .. tool .. '","arguments":{"text":"hello, benchmark"}}}'
  return wrk.format("POST", nil, headers, body)
end
function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d requests=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, summary.errors.status))
end
