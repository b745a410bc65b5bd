// A server on the official TypeScript SDK v2 (@modelcontextprotocol/server,
// pinned in package.json) that speaks MCP 2026-07-28 over Streamable HTTP, for
// polymcp's client to talk to. createMcpHandler serves the stateless revision
// (and 2025 clients through its stateless legacy fallback); node's http module
// carries the fetch-style handler.
// Usage: PORT=N node ts_sdk_v2_server.mjs   (0 or unset: any free port; TS_V2_LOG=1 logs
// every request body on stderr; prints
// "listening on http://127.0.0.1:PORT/mcp" on stderr)
import http from "node:http";
import { McpServer, acceptedContent, createMcpHandler, fromJsonSchema, inputRequired, inputResponse } from "@modelcontextprotocol/server";
import * as z from "zod";

function makeServer() {
  const server = new McpServer({ name: "ts-sdk-v2-server", version: "2.4.0" }, { capabilities: { logging: {} } });
  server.registerTool("echo", { description: "Echoes text", inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text: `echo: ${text}` }] }));
  // Written in the multi round-trip style: asks for a name, then greets.
  server.registerTool("greet", { description: "Asks for a name", inputSchema: z.object({}) }, async (_args, ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, "who");
    if (!answer?.name)
      return inputRequired({
        inputRequests: {
          who: inputRequired.elicit({
            message: "Who are you?",
            requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
          }),
        },
      });
    return { content: [{ type: "text", text: `hello ${answer.name}` }] };
  });
  server.registerTool("capital", { description: "Asks the client's LLM", inputSchema: z.object({}) }, async (_args, ctx) => {
    const r = inputResponse(ctx.mcpReq.inputResponses, "llm");
    if (r.kind !== "sampling")
      return inputRequired({
        inputRequests: {
          llm: inputRequired.createMessage({
            messages: [{ role: "user", content: { type: "text", text: "Capital of France?" } }],
            maxTokens: 20,
          }),
        },
      });
    const content = Array.isArray(r.result.content) ? r.result.content[0] : r.result.content;
    return { content: [{ type: "text", text: `LLM says ${content.text}` }] };
  });
  // x-mcp-header: the client mirrors region into Mcp-Param-Region.
  server.registerTool("route", {
    description: "Routes by region",
    inputSchema: fromJsonSchema({
      type: "object",
      properties: { region: { type: "string", "x-mcp-header": "Region" }, query: { type: "string" } },
      required: ["region", "query"],
    }),
  }, async ({ region, query }) => ({ content: [{ type: "text", text: `${region}: ${query}` }] }));
  return server;
}

const handler = createMcpHandler(() => makeServer());
const httpServer = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
    });
    if (process.env.TS_V2_LOG) process.stderr.write(`<< ${Buffer.concat(chunks)}\n`);
    const response = await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  } catch (e) {
    process.stderr.write(`ts_sdk_v2_server: ${e.stack}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});
httpServer.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stderr.write(`listening on http://127.0.0.1:${httpServer.address().port}/mcp\n`);
});
process.on("SIGTERM", () => httpServer.close(() => process.exit(0)));
