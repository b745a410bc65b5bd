// The TypeScript SDK's Streamable HTTP server (JSON response mode, stateful
// sessions) with the same `echo` tool: the peer of benchmarks/http_echo_server.
// usage: node ts_http_echo_server.mjs PORT
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

const transports = new Map();

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
}

const http = createServer(async (req, res) => {
  const body = req.method === "POST" ? await readBody(req) : undefined;
  const sid = req.headers["mcp-session-id"];
  let transport = sid ? transports.get(sid) : undefined;
  if (!transport) {
    if (body?.method !== "initialize") {
      res.writeHead(sid ? 404 : 400).end();
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    const server = new McpServer({ name: "ts-echo", version: "1.0.0" });
    server.registerTool(
      "echo",
      { description: "Returns the text it is given", inputSchema: { text: z.string() } },
      async ({ text }) => ({ content: [{ type: "text", text }] }),
    );
    await server.connect(transport);
  }
  await transport.handleRequest(req, res, body);
});
http.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () =>
  console.error(`listening on http://127.0.0.1:${http.address().port}/mcp`));
