// The gateway's web page in a real browser: Playwright drives Debian's
// chromium against examples/gateway (serving the page it finds beside its
// executable) and real upstreams. A person signs in with an API key, adds a
// connector through the form — the connection test failing first as
// CONNECTION_FAILED, TIMEOUT, INVALID_MCP_SERVER and SSRF_BLOCKED, each shown
// as its message, then passing against everything_server — saves it,
// connects it, sees its tools, disconnects it and deletes it; a second user
// sees none of it. Then a connector whose server is an OAuth-protected
// resource (everything_server behind a test authorization server built on the
// TypeScript SDK's mcpAuthRouter, with a consent page): an agent (the
// TypeScript SDK client) that connects it first gets a URL-mode elicitation
// (-32042) naming the gateway's sign-in page; the person follows it, signs in
// on the authorization server's page, comes back to the gateway; the agent
// then connects and calls the tool through the gateway. Every page has the gateway's security headers and runs
// under its Content-Security-Policy without a violation; axe-core finds no
// serious accessibility violation on any page; a screenshot of each page is
// written to <screenshots dir>.
// Usage: node gateway_web.mjs <gateway> <everything_server> <chromium> <screenshots dir>
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UrlElicitationRequiredError } from "@modelcontextprotocol/sdk/types.js";
import { chromium } from "playwright-core";

import { ADMIN, ALICE, BOB, freePort, start, testCallers } from "./processes.mjs";
import { startAuthorizationServer } from "./test_authorization_server.mjs";

const [gatewayBin, everythingBin, chromiumBin, screenshots] = process.argv.slice(2);
if (!gatewayBin || !everythingBin || !chromiumBin || !screenshots)
  throw new Error("usage: gateway_web.mjs <gateway> <everything_server> <chromium> <screenshots dir>");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const children = [];
const servers = [];
let dir, gateway, ours, browser, page;
let hangingUrl, notMcpUrl, closedUrl, protectedUrl, issuer, seen, authorizationServer;
const problems = [];  // console errors, page errors, CSP violations
// The errors the browser logs on purpose: the API refusing the wrong key at sign-in (401), and
// refusing the edit whose connection test fails (422).
const expectedConsole = /the server responded with a status of (401|422)/;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "polymcp-gateway-web-"));
  mkdirSync(screenshots, { recursive: true });
  writeFileSync(
    join(dir, "gateway.json"),
    JSON.stringify({
      listen: { address: "127.0.0.1", port: 0 },
      data_dir: join(dir, "data"),
      auth: testCallers(),
      connectors: { allow_loopback: true, test_timeout_ms: 1500, max_per_user: 3 },
    }),
  );
  ours = await start(children, everythingBin, ["--port", "0", "--quiet"], /listening on (http:\S+)/);
  // An address that accepts connections and never answers (TIMEOUT), one that
  // answers HTTP but not MCP (INVALID_MCP_SERVER), and one nothing listens on.
  const held = [];
  const hanging = createTcpServer((socket) => held.push(socket));
  hanging.closeAll = () => held.forEach((socket) => socket.destroy());
  await new Promise((r) => hanging.listen(0, "127.0.0.1", r));
  servers.push(hanging);
  hangingUrl = `http://127.0.0.1:${hanging.address().port}/mcp`;
  const notMcp = createHttpServer((req, res) => {
    req.resume();
    res.writeHead(200, { "Content-Type": "text/html" }).end("<p>a web page, not an MCP server</p>");
  });
  notMcp.closeAll = () => notMcp.closeAllConnections();
  await new Promise((r) => notMcp.listen(0, "127.0.0.1", r));
  servers.push(notMcp);
  notMcpUrl = `http://127.0.0.1:${notMcp.address().port}/mcp`;
  closedUrl = `http://127.0.0.1:${await freePort()}/mcp`;

  // The OAuth-protected upstream: a test authorization server (with a consent page) and everything_server as
  // its resource server.
  authorizationServer = await startAuthorizationServer({ consentPage: true, refreshTokens: true });
  ({ issuer, seen } = authorizationServer);
  const port = await freePort();
  protectedUrl = await start(children, everythingBin,
    ["--port", String(port), "--quiet", "--auth-jwks", `${issuer}jwks`, "--auth-issuer", issuer, "--auth-scopes", "mcp"],
    /listening on (http:\S+)/);

  gateway = await start(children, gatewayBin, ["--config", join(dir, "gateway.json")], /listening on (http:\S+?) /);
  browser = await chromium.launch({ executablePath: chromiumBin, args: ["--no-sandbox"] });
  page = await newPage();
});

after(async () => {
  await browser?.close();
  authorizationServer?.close();
  for (const s of servers) {
    s.close();
    s.closeAll();
  }
  for (const c of children) c.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

async function newPage(viewport = { width: 1200, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const p = await context.newPage();
  p.on("console", (m) => {
    if (m.type() === "error" && !expectedConsole.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  if (process.env.WEB_DEBUG) {
    p.on("request", (r) => console.error(`>> ${r.method()} ${r.url()}`));
    p.on("response", (r) => console.error(`<< ${r.status()} ${r.url()}`));
    p.on("requestfailed", (r) => console.error(`!! ${r.url()} ${r.failure()?.errorText}`));
  }
  return p;
}

// axe-core in the page (evaluated through the DevTools protocol, which the
// page's CSP does not govern): the serious and critical violations.
async function seriousViolations(p) {
  await p.evaluate(axeSource);
  const result = await p.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`);
}

async function checkPage(p, name) {
  assert.deepEqual(await seriousViolations(p), [], `accessibility of the ${name} page`);
  await p.screenshot({ path: join(screenshots, `${name}.png`) });
}

test("the page is served with strict security headers, and unknown files are 404", async () => {
  const r = await fetch(gateway + "/");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /^text\/html/);
  const csp = r.headers.get("content-security-policy");
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(r.headers.get("referrer-policy"), "no-referrer");
  assert.equal(r.headers.get("x-content-type-options"), "nosniff");
  const html = await r.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
  const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
  const js = await fetch(gateway + asset);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("cache-control"), /immutable/);
  assert.equal((await fetch(gateway + "/assets/nothing.js")).status, 404);
  assert.equal((await fetch(gateway + "/connectors/new")).status, 200, "a route of the page is index.html");
  const api = await fetch(gateway + "/api/connectors");
  assert.equal(api.status, 401, "the API still needs credentials");
  assert.equal(api.headers.get("x-content-type-options"), "nosniff");
});

test("sign-in: a wrong key is refused in words, the right one opens the connectors", async () => {
  await page.goto(gateway + "/");
  await checkPage(page, "sign-in");
  await page.getByLabel("API key").fill("wrong-key-0123456789abcdef");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "refused the API key" }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("polymcp.apiKey")), null);
  await page.getByLabel("API key").fill(ALICE);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Connectors" }).waitFor();
  await page.getByText("0 of 3 connectors").waitFor();
  // Kept for this tab only: never a cookie, never in the URL.
  assert.equal(await page.evaluate(() => sessionStorage.getItem("polymcp.apiKey")), ALICE);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.deepEqual(await page.context().cookies(), []);
  assert.ok(!page.url().includes(ALICE));
  await checkPage(page, "connectors-empty");
});

test("add a connector: each failing test shown as its message, then a passing one, saved", async () => {
  await page.getByRole("link", { name: "Add connector" }).first().click();
  await page.getByRole("heading", { name: "Add connector" }).waitFor();
  await page.getByText("You have 0 of 3 connectors.").waitFor();
  await page.getByLabel("Name").fill("ours");
  const failures = [
    [closedUrl, "CONNECTION_FAILED", "Nothing answered at that address"],
    [hangingUrl, "TIMEOUT", "did not answer in time"],
    [notMcpUrl, "INVALID_MCP_SERVER", "not an MCP server"],
    ["http://10.1.2.3/mcp", "SSRF_BLOCKED", "does not connect to that address"],
  ];
  for (const [url, code, words] of failures) {
    await page.getByLabel("MCP endpoint URL").fill(url);
    await page.getByRole("button", { name: "Test connection" }).click();
    const alert = page.locator(`[data-error-code="${code}"]`);
    await alert.waitFor({ timeout: 15000 });
    assert.match(await alert.innerText(), new RegExp(words), code);
    assert.ok(await page.getByRole("button", { name: "Save" }).isDisabled(), `Save after ${code}`);
    if (code === "TIMEOUT") await checkPage(page, "add-connector-failed");
  }
  await page.getByLabel("MCP endpoint URL").fill(ours);
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.getByTestId("test-success").waitFor();
  assert.match(await page.getByTestId("test-success").innerText(), /\d+ tools/);
  await page.getByText("test_simple_text").first().waitFor();
  await checkPage(page, "add-connector-tested");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("heading", { name: "Connectors" }).waitFor();
  const card = page.locator('[data-connector="ours"]');
  await card.waitFor();
  assert.equal(await card.locator("[data-status]").getAttribute("data-status"), "disconnected");
  assert.ok((await card.innerText()).includes(ours), "the card shows the server's URL");
  await page.getByText("1 of 3 connectors").waitFor();
});

test("connect it, see its tools, disconnect it, delete it after confirming", async () => {
  const card = page.locator('[data-connector="ours"]');
  await card.getByRole("button", { name: "Connect" }).click();
  await card.locator('[data-status="connected"]').waitFor();
  await page.getByRole("status").filter({ hasText: "ours connected." }).waitFor();
  await checkPage(page, "connectors");

  await page.getByRole("link", { name: "Tools" }).click();
  const tool = page.locator('[data-tool="ours__test_simple_text"]');
  await tool.waitFor();
  assert.match(await tool.innerText(), /test_simple_text from ours/);
  await checkPage(page, "tools");

  // Try it: a tool without arguments, then one whose form has a text field and a JSON field.
  await tool.getByRole("button", { name: "Try it" }).click();
  await tool.getByRole("button", { name: "Call test_simple_text" }).click();
  await tool.getByTestId("try-result").filter({ hasText: "This is a simple text response for testing." }).waitFor();
  const schemaTool = page.locator('[data-tool="ours__json_schema_2020_12_tool"]');
  await schemaTool.getByRole("button", { name: "Try it" }).click();
  await schemaTool.getByLabel("name", { exact: true }).fill("Ada");
  await schemaTool.getByLabel("address", { exact: true }).fill("{city: Paris}");
  await schemaTool.getByRole("button", { name: "Call json_schema_2020_12_tool" }).click();
  await schemaTool.getByRole("alert").filter({ hasText: "address must be JSON" }).waitFor();
  await schemaTool.getByLabel("address", { exact: true }).fill('{"city": "Paris"}');
  await schemaTool.getByRole("button", { name: "Call json_schema_2020_12_tool" }).click();
  const out = schemaTool.getByTestId("try-result");
  await out.waitFor();
  assert.match(await out.innerText(), /"name":"Ada"/);
  assert.match(await out.innerText(), /"city":"Paris"/);
  await out.scrollIntoViewIfNeeded();
  await checkPage(page, "tools-try-it");

  await page.getByRole("link", { name: "Connectors" }).first().click();
  await card.getByRole("button", { name: "Disconnect" }).click();
  await card.locator('[data-status="disconnected"]').waitFor();

  await card.getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete ours?" });
  await dialog.waitFor();
  await checkPage(page, "delete-confirm");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  assert.equal(await card.count(), 1, "cancel keeps it");
  await card.getByRole("button", { name: "Delete" }).click();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await card.waitFor({ state: "detached" });
  await page.getByText("0 of 3 connectors").waitFor();
});

test("a second user sees none of the first user's connectors", async () => {
  // Alice keeps one connector; Bob, signed in in another browser context, sees none.
  await page.goto(gateway + "/connectors/new");
  await page.getByLabel("Name").fill("kept");
  await page.getByLabel("MCP endpoint URL").fill(ours);
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.getByTestId("test-success").waitFor();
  await page.getByRole("button", { name: "Save" }).click();
  const kept = page.locator('[data-connector="kept"]');
  await kept.waitFor();

  // Edited: a new URL that does not answer is tested and refused, and changes nothing; a description is kept.
  await kept.getByRole("link", { name: "Edit" }).click();
  await page.getByRole("heading", { name: "Edit kept" }).waitFor();
  await page.getByLabel("MCP endpoint URL").fill(closedUrl);
  await page.getByLabel("Description").fill("the one Alice keeps");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.locator('[data-error-code="CONNECTION_FAILED"]').waitFor({ timeout: 15000 });
  await checkPage(page, "edit-connector-failed");
  await page.getByLabel("MCP endpoint URL").fill(ours);
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByRole("heading", { name: "Connectors" }).waitFor();
  await kept.getByText("the one Alice keeps").waitFor();
  assert.ok((await kept.innerText()).includes(ours), "the URL did not change");

  const bob = await newPage({ width: 390, height: 844 });  // a phone's width
  await bob.goto(gateway + "/");
  await bob.getByLabel("API key").fill(BOB);
  await bob.getByRole("button", { name: "Sign in" }).click();
  await bob.getByText("0 of 3 connectors").waitFor();
  assert.equal(await bob.locator("[data-connector]").count(), 0);
  await bob.getByRole("link", { name: "Tools" }).click();
  await bob.getByText("No connector is connected in this session").waitFor();
  await checkPage(bob, "phone-tools");
  await bob.getByRole("button", { name: "Sign out" }).click();
  await bob.getByLabel("API key").waitFor();
  assert.equal(await bob.evaluate(() => sessionStorage.length), 0);
});

test("an administrator creates a category and publishes a server in it; a user finds it there and adds it", async () => {
  const admin = await newPage();
  await admin.goto(gateway + "/");
  await admin.getByLabel("API key").fill(ADMIN);
  await admin.getByRole("button", { name: "Sign in" }).click();
  await admin.getByRole("link", { name: "Catalog" }).click();
  await admin.getByRole("button", { name: "New category" }).click();
  const categoryForm = admin.getByRole("form", { name: "New category" });
  await categoryForm.getByLabel("Name").fill("Research");
  await categoryForm.getByLabel("Icon").fill("Σ");
  await categoryForm.getByRole("button", { name: "Save category" }).click();
  await admin.locator('[data-category="Research"]').waitFor();

  await admin.getByRole("button", { name: "New server" }).click();
  const serverForm = admin.getByRole("form", { name: "New server" });
  await serverForm.getByLabel("Name").fill("papers");
  await serverForm.getByLabel("Description").fill("Searches the papers");
  await serverForm.getByLabel("MCP endpoint URL").fill(ours);
  await serverForm.getByLabel("Category").selectOption({ label: "Research" });
  await serverForm.getByLabel("Published").check();
  await checkPage(admin, "catalog-admin-form");
  await serverForm.getByRole("button", { name: "Save server" }).click();
  const adminCard = admin.locator('[data-server="papers"]');
  await adminCard.waitFor();
  assert.match(await adminCard.innerText(), /Research · published/);
  await checkPage(admin, "catalog-admin");

  // Bob, not an administrator, sees it under its category, without the administrator's buttons.
  const bob = await newPage();
  await bob.goto(gateway + "/");
  await bob.getByLabel("API key").fill(BOB);
  await bob.getByRole("button", { name: "Sign in" }).click();
  await bob.getByRole("link", { name: "Catalog" }).click();
  assert.equal(await bob.getByRole("button", { name: "New category" }).count(), 0);
  await bob.locator('[data-category="Research"]').click();
  const card = bob.locator('[data-server="papers"]');
  await card.waitFor();
  assert.equal(await card.getByRole("button", { name: "Delete" }).count(), 0, "not his to delete");
  await checkPage(bob, "catalog");
  await card.getByRole("link", { name: "Add as connector" }).click();
  await bob.getByRole("heading", { name: "Add connector" }).waitFor();
  await bob.getByLabel("Catalog server").and(bob.locator(":enabled")).waitFor();
  assert.equal(await bob.getByLabel("A local process (stdio; administrators only)").count(), 0, "not for users");
  await bob.getByLabel("Catalog server").and(bob.locator(":enabled")).waitFor();
  assert.match(await bob.getByLabel("Catalog server").inputValue(), /^mcp_/, "the server is chosen");
  await bob.getByLabel("Name").fill("papers");
  await bob.getByRole("button", { name: "Test connection" }).click();
  await bob.getByTestId("test-success").waitFor();
  await bob.getByRole("button", { name: "Save" }).click();
  await bob.locator('[data-connector="papers"]').waitFor();
  assert.match(await bob.locator('[data-connector="papers"]').innerText(), /from the catalog/);

  // Unpublished, it leaves Bob's catalog.
  await adminCard.getByRole("button", { name: "Unpublish" }).click();
  await admin.getByRole("status").filter({ hasText: "papers unpublished." }).waitFor();
  await bob.getByRole("link", { name: "Catalog" }).click();
  await bob.reload();
  await bob.getByRole("heading", { name: "Catalog" }).waitFor();
  await bob.getByText("No servers here yet.").waitFor();
  await bob.close();

  // The administrator renames the category, then deletes it after confirming.
  await admin.locator('[data-category="Research"]').click();
  await admin.getByRole("button", { name: "Edit category" }).click();
  const editCategory = admin.getByRole("form", { name: "Edit category Research" });
  await editCategory.getByLabel("Name").fill("Research papers");
  await editCategory.getByRole("button", { name: "Save category" }).click();
  await admin.locator('[data-category="Research papers"]').click();
  await admin.getByRole("button", { name: "Delete category" }).click();
  const confirm = admin.getByRole("dialog", { name: "Delete Research papers?" });
  await confirm.getByRole("button", { name: "Delete" }).click();
  await admin.getByRole("status").filter({ hasText: "Research papers deleted." }).waitFor();
  await admin.locator('[data-category="Research papers"]').waitFor({ state: "detached" });

  // Only an administrator may add a local process as a connector: hello_stdio, started by the gateway.
  await admin.getByRole("link", { name: "Add connector" }).first().click();
  await admin.getByLabel("A local process (stdio; administrators only)").check();
  await admin.getByLabel("Command (an absolute path)").fill(join(dirname(everythingBin), "..", "hello_stdio", "hello_stdio"));
  await admin.getByLabel("Name").fill("hello");
  await admin.getByRole("button", { name: "Test connection" }).click();
  await admin.getByTestId("test-success").waitFor({ timeout: 15000 });
  await checkPage(admin, "add-connector-stdio");
  await admin.getByRole("button", { name: "Save" }).click();
  assert.match(await admin.locator('[data-connector="hello"]').innerText(), /stdio/);
  await admin.close();
});

test("OAuth: an agent is sent to sign in; the person signs in on the server's page; the agent then calls the tool", async () => {
  // Added through the form: the test answers that the server wants a sign-in, which is what this connector does.
  await page.goto(gateway + "/connectors/new");
  await page.getByLabel("Name").fill("secure");
  await page.getByLabel("MCP endpoint URL").fill(protectedUrl);
  await page.getByLabel("Authentication").selectOption("oauth_sign_in");
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.getByTestId("test-sign-in").waitFor({ timeout: 15000 });
  await checkPage(page, "add-connector-oauth");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("heading", { name: "Sign in to secure" }).waitFor();
  const id = new URL(page.url()).pathname.split("/")[2];
  await checkPage(page, "connector-sign-in");
  await page.getByRole("link", { name: "Not now" }).click();
  const card = page.locator('[data-connector="secure"]');
  await card.locator('[data-status="needs sign-in"]').waitFor();

  // An agent with URL-mode elicitation connects it: -32042 with the gateway's sign-in page.
  const agent = async () => {
    const client = new Client({ name: "web-test-agent", version: "1.0.0" }, { capabilities: { elicitation: { url: {} } } });
    const transport = new StreamableHTTPClientTransport(new URL(gateway + "/mcp"), {
      requestInit: { headers: { "X-API-Key": ALICE } },
    });
    await client.connect(transport);
    return client;
  };
  let client = await agent();
  let refused;
  try {
    await client.callTool({ name: "connectors_connect", arguments: { connector_id: id } });
  } catch (e) {
    refused = e;
  }
  assert.ok(refused instanceof UrlElicitationRequiredError, `a URL elicitation, not ${refused}`);
  const [elicitation] = refused.elicitations;
  assert.equal(elicitation.mode, "url");
  assert.equal(elicitation.url, `${gateway}/connectors/${id}/sign-in`);
  await client.close();

  // The person opens that page, signs in on the authorization server's page, and comes back.
  await page.goto(elicitation.url);
  await page.getByTestId("start-sign-in").click();
  await page.getByRole("heading", { name: "Authorize polymcp gateway" }).waitFor();
  assert.equal(new URL(page.url()).origin, new URL(issuer).origin, "the browser is on the authorization server");
  const authorizeUrl = new URL(page.url());
  assert.equal(authorizeUrl.searchParams.get("code_challenge_method"), "S256");
  assert.equal(authorizeUrl.searchParams.get("resource"), protectedUrl);
  assert.equal(authorizeUrl.searchParams.get("redirect_uri"), `${gateway}/oauth/callback`);
  assert.match(authorizeUrl.searchParams.get("state"), /^[0-9a-f]{32}$/);
  await page.getByRole("button", { name: "Approve" }).click();
  await page.getByTestId("signed-in").waitFor({ timeout: 15000 }).catch(async (e) => {
    throw new Error(`${e.message}\nthe page says: ${await page.locator("main").innerText()}`);
  });
  assert.equal(page.url(), `${gateway}/oauth/callback`, "the code left the address bar");
  assert.match(await page.getByTestId("signed-in").innerText(), /Signed in to secure\. .* \d+ tools are available/s);
  await checkPage(page, "signed-in");
  assert.equal(seen.registrations.length, 1, "the gateway registered itself (RFC 7591)");
  assert.deepEqual(seen.registrations[0].redirect_uris, [`${gateway}/oauth/callback`]);
  assert.deepEqual(seen.tokenRequests, [{ resource: protectedUrl, redirectUri: `${gateway}/oauth/callback` }]);

  // The same answer again is refused: a state is used once.
  const replay = await fetch(gateway + "/api/sign-in/callback", {
    method: "POST",
    headers: { "X-API-Key": ALICE, "Content-Type": "application/json" },
    body: JSON.stringify({ query: `?code=x&state=${authorizeUrl.searchParams.get("state")}` }),
  });
  assert.equal(replay.status, 400);
  assert.match((await replay.json()).message, /expired or was already completed/);

  await page.getByRole("link", { name: "Back to your connectors" }).click();
  await card.locator('[data-status="disconnected"]').waitFor();

  // The agent tries again: connected, and the tool answers through the gateway with the user's token.
  client = await agent();
  const connected = await client.callTool({ name: "connectors_connect", arguments: { connector_id: id } });
  assert.ok(!connected.isError, JSON.stringify(connected));
  const tools = await client.listTools();
  assert.ok(tools.tools.some((t) => t.name === "secure__test_simple_text"));
  const r = await client.callTool({ name: "secure__test_simple_text", arguments: {} });
  assert.equal(r.content[0].text, "This is a simple text response for testing.");
  await client.close();

  // Bob cannot complete or start Alice's sign-in.
  const bobStart = await fetch(`${gateway}/api/connectors/${id}/sign-in`, { method: "POST", headers: { "X-API-Key": BOB } });
  assert.equal(bobStart.status, 404);
});

test("a gateway that is an OAuth protected resource: the page signs people in on its authorization server's page", async () => {
  const as = await startAuthorizationServer({ consentPage: true, subject: "dana" });
  try {
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    writeFileSync(
      join(dir, "protected.json"),
      JSON.stringify({
        listen: { address: "127.0.0.1", port },
        data_dir: join(dir, "protected-data"),
        auth: { jwt: { jwks: `${as.issuer}jwks`, issuer: as.issuer, resource, default_tenant: "acme" } },
        connectors: { allow_loopback: true },
      }),
    );
    const protectedGateway = await start(children, gatewayBin, ["--config", join(dir, "protected.json")], /listening on (http:\S+?) /);
    // RFC 9728: its metadata names the authorization server; the API challenges with it.
    const prm = await (await fetch(`${protectedGateway}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.equal(prm.resource, resource);
    assert.deepEqual(prm.authorization_servers, [as.issuer]);
    const refused = await fetch(`${protectedGateway}/api/connectors`);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get("www-authenticate"), /resource_metadata="/);
    assert.deepEqual(await (await fetch(`${protectedGateway}/api/auth`)).json(), { method: "oauth", resource });

    const p = await newPage();
    await p.goto(protectedGateway + "/");
    await p.getByRole("button", { name: "Sign in with your organization" }).waitFor();
    await checkPage(p, "sign-in-oauth");
    await p.getByRole("button", { name: "Sign in with your organization" }).click();
    await p.getByRole("heading", { name: "Authorize polymcp gateway" }).waitFor();
    const authorizeUrl = new URL(p.url());
    assert.equal(authorizeUrl.searchParams.get("resource"), resource);
    assert.equal(authorizeUrl.searchParams.get("redirect_uri"), `${protectedGateway}/auth/callback`);
    assert.equal(authorizeUrl.searchParams.get("code_challenge_method"), "S256");
    await p.getByRole("button", { name: "Approve" }).click();
    await p.getByRole("heading", { name: "Connectors" }).waitFor();
    await p.getByText("0 of 10 connectors").waitFor();
    assert.equal(p.url(), `${protectedGateway}/connectors`, "the code left the address bar");
    const kept = await p.evaluate(() => ({ ...sessionStorage }));
    assert.equal(kept["polymcp.accessToken"].split(".").length, 3, "a JWT for the gateway, in this tab only");
    assert.equal(kept["polymcp.apiKey"], undefined);
    assert.equal(kept["polymcp.pendingSignIn"], undefined, "the pending sign-in is used once");
    assert.deepEqual(await p.context().cookies(), []);
    assert.equal(as.seen.tokenRequests[0].resource, resource, "the token is for the gateway (RFC 8707)");

    // A callback without the pending sign-in of the tab that began it is refused.
    const forged = await fetch(`${protectedGateway}/api/auth/callback`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: `code=x&state=${authorizeUrl.searchParams.get("state")}`, pending: "not-sealed-here" }),
    });
    assert.equal(forged.status, 400);
    await p.close();
  } finally {
    as.close();
  }
});

test("no console error, page error or Content-Security-Policy violation on any page", () => {
  assert.deepEqual(problems, []);
});
