// The official TypeScript SDK client doing what benchmarks/client_bench.cpp
// does: tools/call test_simple_text on everything_server, with a number of
// calls in flight at once, over stdio or Streamable HTTP.
//
// usage: node ts_client_bench.mjs CALLS CONCURRENCY (--url URL | -- COMMAND ARGS...)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [calls, concurrency] = [Number(process.argv[2]), Number(process.argv[3])];
const rest = process.argv.slice(4);
let transport, kind;
if (rest[0] === "--url") {
  transport = new StreamableHTTPClientTransport(new URL(rest[1]));
  kind = "http";
} else {
  const cmd = rest.slice(1);
  transport = new StdioClientTransport({ command: cmd[0], args: cmd.slice(1), stderr: "ignore" });
  kind = "stdio";
}
const client = new Client({ name: "ts-client-bench", version: "1.0.0" });
await client.connect(transport);
for (let i = 0; i < 100; i++) await client.callTool({ name: "test_simple_text", arguments: {} });
let started = 0, done = 0;
const start = performance.now();
async function worker() {
  while (started < calls) {
    started++;
    const r = await client.callTool({ name: "test_simple_text", arguments: {} });
    if (!r.content.length) throw new Error("empty result");
    done++;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - start) / 1000;
await client.close();
console.log(`transport=${kind} calls=${done} concurrency=${concurrency} seconds=${seconds.toFixed(3)} calls_per_s=${Math.round(done / seconds)}`);
