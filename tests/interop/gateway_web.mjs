// The gateway's web page in a real browser: Playwright drives Debian's
// chromium against examples/gateway (serving the page it finds beside its
// executable) and real upstreams. A person signs in with an API key, adds a
// connector through the form — the connection test failing first as
// CONNECTION_FAILED, TIMEOUT, INVALID_MCP_SERVER and SSRF_BLOCKED, each shown
// as its message, then passing against everything_server — saves it,
// connects it, sees its tools, disconnects it and deletes it; a second user
// sees none of it. Every page has the gateway's security headers and runs
// under its Content-Security-Policy without a violation; axe-core finds no
// serious accessibility violation on any page; a screenshot of each page is
// written to <screenshots dir>.
// Usage: node gateway_web.mjs <gateway> <everything_server> <chromium> <screenshots dir>
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { ALICE, BOB, freePort, start, testCallers } from "./processes.mjs";

const [gatewayBin, everythingBin, chromiumBin, screenshots] = process.argv.slice(2);
if (!gatewayBin || !everythingBin || !chromiumBin || !screenshots)
  throw new Error("usage: gateway_web.mjs <gateway> <everything_server> <chromium> <screenshots dir>");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const children = [];
const servers = [];
let dir, gateway, ours, browser, page;
let hangingUrl, notMcpUrl, closedUrl;
const problems = [];  // console errors, page errors, CSP violations
// The one error the browser logs on purpose: the API refusing the wrong key at sign-in.
const expectedConsole = /the server responded with a status of 401/;

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

  gateway = await start(children, gatewayBin, ["--config", join(dir, "gateway.json")], /listening on (http:\S+?) /);
  browser = await chromium.launch({ executablePath: chromiumBin, args: ["--no-sandbox"] });
  page = await newPage();
});

after(async () => {
  await browser?.close();
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
  await page.locator('[data-connector="kept"]').waitFor();

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

test("no console error, page error or Content-Security-Policy violation on any page", () => {
  assert.deepEqual(problems, []);
});
