/**
 * The dashboard in a real Chromium (Debian's, driven by playwright-core; no
 * browser download), against wrangler dev with a bridge and a real
 * @grpc/grpc-js-xds client. A change made on the Edit page is watched rolling
 * out on the resource page without a reload; history, diff and rollback; a
 * reader sees no write buttons; a second client that refuses a policy is
 * listed first on the overview with its own error; the resource page draws
 * the revision's per-hop trace (also at phone width). Screenshots go to
 * .edgeplane/test-results/ui/.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { spawnChild } from "../../bench/ipc.js";
import type { XdsClientApi } from "../../bench/xds-client.js";
import { ROOT } from "../../scripts/lib/processes.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useLocalSystem } from "./support/use-local-system.js";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(process.cwd(), ".edgeplane", "test-results", "ui");
const sys = useLocalSystem({ system: "mesh", xdsClient: { nodeId: "ui-client", warm: true } });
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does this in CI)`);
  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function signedIn(token: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  // What the page said, for a failure's message: a test that waits on the page otherwise only says "timeout".
  const said: string[] = [];
  page.on("console", (m) => said.push(`console ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => said.push(`page error: ${e.message}`));
  page.on("response", (r) => { if (r.status() >= 400) said.push(`${r.status()} ${r.url()}`); });
  pages.set(page, said);
  await page.goto(`${sys.mesh.wrangler.url}/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  return page;
}
const pages = new Map<Page, string[]>();

/** Waits for the overview's counts of the default mesh, or fails with what the page showed and said. */
async function overviewShown(page: Page): Promise<void> {
  try {
    await page.waitForSelector("[data-testid=counts-default]", { timeout: 20_000 });
  } catch {
    throw new Error(`the overview never appeared; the page shows: ${await page.locator("main").innerText()}\n${(pages.get(page) ?? []).join("\n")}`);
  }
}
/**
 * Waits for the resource page's per-hop trace to have every hop (the bridge's
 * report comes on its own beat, after the ACK), then checks it is drawn: a
 * zone row and a bridge row, a bar per hop, and every hop's time written out.
 */
async function traceDrawn(page: Page): Promise<void> {
  const chart = page.getByRole("img", { name: /^Per-hop trace of revision \d+, milliseconds after the commit\. Zone default: / });
  await expect.poll(async () => ((await chart.count()) === 1 ? await chart.textContent() : ""), { timeout: 20_000 }).toMatch(/last proxy ACKed[\d.]+ ms/);
  expect(await chart.textContent()).not.toContain("not yet");
  const groups = await chart.locator("text[data-row=group]").allTextContents();
  expect(groups).toHaveLength(2);
  expect(groups[0]).toMatch(/^zone default \(update \d+, ±[\d.]+ ms\)$/);
  expect(groups[1]).toMatch(/^bridge \S+ \(±[\d.]+ ms\): 1\/1 proxies ACKed$/);
  const hops = await chart.locator("text[data-row=hop]").allTextContents();
  expect(hops).toEqual(["committed", "zone notified", "zone applied", "frame sent", "bridge received", "translated", "snapshot published", "first proxy pushed", "last proxy pushed", "last proxy ACKed"]);
  const values = await chart.locator("text[data-value]").allTextContents();
  expect(values).toHaveLength(hops.length);
  for (const v of values) expect(v).toMatch(/^-?\d+\.\d ms$/);
  expect(await chart.locator("rect").count()).toBe(hops.length);
  expect(await chart.locator("title").first().textContent()).toMatch(/^Per-hop trace of revision/);
}
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe("the dashboard in a browser", () => {
  it("shows the demo mesh's zone, bridge and proxy as SYNCED", async () => {
    const page = await signedIn(sys.mesh.wrangler.adminToken);
    await overviewShown(page);
    await expect.poll(() => page.getByTestId("counts-default").textContent(), { timeout: 20_000 }).toMatch(/^SYNCED 1 · STALE 0 · NACKED 0/);
    const zones = page.getByRole("table", { name: "Zones and bridges" });
    await expect.poll(() => zones.textContent()).toContain("default");
    expect(await zones.textContent()).toContain("connected");
    expect(await page.getByRole("table", { name: /Proxies of default/ }).textContent()).toContain("ui-client");
    // The last writes with who made them: the demo bundle, newest (the route) first, written by npm start's admin.
    const writes = page.getByRole("table", { name: "Last writes in default" }).locator("tbody tr");
    expect(await writes.count()).toBeGreaterThanOrEqual(6);
    expect(await writes.first().locator("td").nth(1).textContent()).toBe("HTTPRoute/echo-split");
    expect(await writes.first().locator("td").nth(2).textContent()).toBe("local-admin");
    await shot(page, "overview");
    const phone = await signedIn(sys.mesh.wrangler.adminToken, { width: 390, height: 844 });
    await expect.poll(() => phone.getByTestId("counts-default").textContent(), { timeout: 20_000 }).toMatch(/^SYNCED 1/);
    await shot(phone, "overview-phone");
    await page.context().close();
    await phone.context().close();
  }, 60_000);

  it("an edit's rollout reaches the proxy without a reload; history, diff and rollback", async () => {
    const page = await signedIn(sys.mesh.wrangler.adminToken);
    await overviewShown(page);
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByLabel("YAML documents").fill(
      ["kind: HTTPRoute", "metadata: {name: echo-split}", "spec:", "  parentRefs: [{name: echo, port: 50051}]", "  rules:", "    - backendRefs: [{name: echo-v1, weight: 50}, {name: echo-v2, weight: 50}]", "      timeouts: {request: 5s}", ""].join("\n"),
    );
    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByRole("heading", { name: "Dry run: accepted" }).waitFor();
    await shot(page, "edit-dry-run");
    let reloaded = false;
    page.on("load", () => (reloaded = true));
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("heading", { name: "Applied" }).waitFor();
    await page.getByRole("link", { name: "HTTPRoute/echo-split" }).click();
    await expect.poll(() => page.getByTestId("rollout-summary").textContent(), { timeout: 20_000 }).toMatch(/ACKed 1 · NACKed 0 · pending 0 of 1 — done/);
    expect(reloaded).toBe(false);
    await shot(page, "resource-rollout");
    await traceDrawn(page);
    await page.getByTestId("trace").screenshot({ path: join(SHOTS, "resource-trace.png") });
    // Before a zone has applied a revision the API's trace has no zones (the page shows that for a
    // moment after a write, too briefly to catch): the served module, in this browser, says so in words.
    // A string, so vitest does not rewrite its import() for Node.
    const empty = await page.evaluate<string>(`import("/ui/trace-chart.js").then((m) => m.traceSection({ revision: 5, zones: [] }).textContent)`);
    expect(empty).toBe("Per-hop traceNo per-hop trace yet: no zone has applied revision 5 yet.");
    // At phone width the chart keeps its size (its labels stay readable) and its box scrolls sideways.
    const phone = await signedIn(sys.mesh.wrangler.adminToken, { width: 390, height: 844 });
    await overviewShown(phone);
    await phone.goto(`${sys.mesh.wrangler.url}/ui/#/mesh/default/httproutes/echo-split`);
    await traceDrawn(phone);
    const box = phone.getByTestId("trace");
    expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth && el.clientWidth <= 390)).toBe(true);
    await box.scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(SHOTS, "resource-trace-phone.png") });
    await phone.context().close();
    // The document reads as YAML, not JSON.
    const yaml = (await page.getByTestId("document").textContent()) ?? "";
    expect(yaml).toMatch(/^kind: HTTPRoute$/m);
    expect(yaml).toMatch(/^ *- name: echo-v1$/m);
    expect(yaml).not.toContain('"kind":');

    const history = page.getByRole("table", { name: "History" });
    expect(await history.locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    await page.getByRole("button", { name: "Show diff" }).click();
    const diff = page.getByRole("table", { name: /^Changes from/ });
    await diff.waitFor();
    // Side by side, on the YAML: the old weight faces the new one, each marked.
    const changedRows = diff.locator("tbody tr", { has: page.locator("td.line-add") });
    const changedText = (await changedRows.allTextContents()).join("\n");
    expect(changedText).toMatch(/- +weight: 80/);
    expect(changedText).toMatch(/\+ +weight: 50/);
    await shot(page, "resource-diff");

    await history.getByRole("button", { name: /^Roll back to/ }).first().click();
    await expect.poll(() => page.getByTestId("document").textContent(), { timeout: 20_000 }).toMatch(/^ *weight: 80$/m);
    await expect.poll(() => page.getByTestId("rollout-summary").textContent(), { timeout: 20_000 }).toMatch(/ACKed 1 · NACKed 0 · pending 0 of 1 — done/);
    await shot(page, "resource-rolled-back");
    await page.context().close();
  }, 90_000);

  it("a reader sees no write buttons", async () => {
    const res = await sys.mesh.api("POST", "/v1/tokens", { subject: "ui-reader", role: "reader", meshes: ["default"], ttlSeconds: 3600 });
    expect(res.status).toBe(201);
    const page = await signedIn(String(res.body.token));
    await overviewShown(page);
    await page.goto(`${sys.mesh.wrangler.url}/ui/#/mesh/default/httproutes/echo-split`);
    await page.getByTestId("rollout-summary").waitFor();
    expect(await page.getByRole("button", { name: /^Roll back/ }).count()).toBe(0);
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByText("This token may only read.").waitFor();
    expect(await page.getByRole("button", { name: "Dry run" }).count()).toBe(0);
    await shot(page, "reader");
    await page.context().close();
  }, 60_000);

  it("the edit page shows a refusal by field with its hint, and warnings readable, without writing", async () => {
    const head = (await sys.mesh.api("GET", "/v1/revision")).body.revision;
    const page = await signedIn(sys.mesh.wrangler.adminToken);
    await overviewShown(page);
    await page.getByRole("link", { name: "Edit" }).click();
    const editor = page.getByLabel("YAML documents");
    // Two bad fields: both are listed, each by its field.
    await editor.fill(["kind: HTTPRoute", "metadata: {name: ui-bad}", "spec:", "  parentRefs: [{name: echo, port: 50051}]", "  rules:", "    - backendRefs: [{name: echo-v1, weight: -5}, {name: echo-v2, weight: heavy}]", ""].join("\n"));
    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByRole("heading", { name: "Refused" }).waitFor();
    const errors = page.getByRole("list", { name: "Validation errors" }).getByRole("listitem");
    expect(await errors.count()).toBe(2);
    expect(await errors.getByTestId("error-field").allTextContents()).toEqual(["spec.rules[0].backendRefs[0].weight", "spec.rules[0].backendRefs[1].weight"]);
    expect(await errors.first().getByTestId("error-hint").textContent()).toMatch(/^Hint: \S/);
    expect(await errors.nth(1).textContent()).toContain('got "heavy"');
    await shot(page, "edit-refused");

    // Valid, but proxyless clients keep their own connect timeout: the answer warns, by field and kind of proxy.
    await editor.fill(["kind: BackendPolicy", "metadata: {name: ui-timeout}", "spec:", "  targetRef: {kind: Service, name: echo-v1}", "  connectTimeout: 2s", ""].join("\n"));
    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByRole("heading", { name: "Dry run: accepted" }).waitFor();
    const would = page.getByRole("table", { name: "What applying would do" });
    expect(await would.locator("tbody tr").first().textContent()).toMatch(/^BackendPolicy\/ui-timeoutdefaultcreated/);
    const warnings = page.getByTestId("warnings").getByRole("listitem");
    expect(await warnings.count()).toBe(1);
    expect(await warnings.first().textContent()).toMatch(/^Not applied by proxyless gRPC clients: spec\.connectTimeout \(document 0, BackendPolicy\/ui-timeout in mesh default\): /);
    // The proxies it reaches are named: the demo's one client, proxyless as its bridge reports it.
    expect(await warnings.first().getByTestId("affected").textContent()).toBe(" Affects 1 connected proxy: ui-client.");
    // Read as text, not as JSON.
    expect(await page.locator("main").textContent()).not.toContain('"warnings"');
    await shot(page, "edit-warnings");
    expect((await sys.mesh.api("GET", "/v1/revision")).body.revision).toBe(head);
    await page.context().close();
  }, 60_000);

  it("the proxies page lists the client with its zone, bridge and per-type state", async () => {
    const page = await signedIn(sys.mesh.wrangler.adminToken);
    await overviewShown(page);
    await page.goto(`${sys.mesh.wrangler.url}/ui/#/proxies/default`);
    await page.getByRole("heading", { name: "Proxies of default" }).waitFor();
    const table = page.getByRole("table", { name: "Proxies", exact: true });
    await table.waitFor();
    const text = await table.textContent();
    expect(text).toContain("ui-client");
    expect(text).toMatch(/Cluster: SYNCED/);
    // The kind comes from the zone's status: the bridge serves this client the mesh's proxyless config.
    const client = table.locator("tbody tr", { hasText: "ui-client" });
    expect(await client.getByTestId("proxy-kind").textContent()).toBe("proxyless gRPC client");
    // The demo mesh has no mTLS: no identity and no certificate, said with a dash, not a colour.
    expect(await client.getByTestId("proxy-identity").textContent()).toBe("-");
    expect(await client.getByTestId("proxy-cert-expiry").textContent()).toBe("-");
    await shot(page, "proxies");
    await page.goto(`${sys.mesh.wrangler.url}/ui/#/propagation/default`);
    await page.getByRole("heading", { name: "Propagation in default" }).waitFor();
    // Every revision of the demo mesh so far, not only each resource's newest: the demo bundle's writes and the edit and rollback above.
    const rows = page.getByRole("table", { name: "Write to last ACK per revision" }).locator("tbody tr");
    const timed = rows.filter({ hasText: / ms$/ });
    expect(await rows.count()).toBeGreaterThanOrEqual(8);
    expect(await timed.count()).toBeGreaterThanOrEqual(2);
    expect(await rows.filter({ hasText: "HTTPRoute/echo-split" }).count()).toBeGreaterThanOrEqual(3);
    const chart = page.getByRole("img", { name: "Write to last ACK per revision" });
    expect(await chart.locator("rect").count()).toBe(await timed.count());
    // The histogram holds each timed revision once.
    const buckets = await page.getByRole("table", { name: "Histogram" }).locator("tbody tr td:nth-child(2)").allTextContents();
    expect(buckets.map(Number).reduce((a, b) => a + b, 0)).toBe(await timed.count());
    expect(await page.getByRole("img", { name: "Revisions per write-to-last-ACK bucket" }).locator("rect").count()).toBe(buckets.length);
    await shot(page, "propagation");
    await page.context().close();
  }, 60_000);

  it("a proxy that refuses a config is listed first on the overview, with the client's own error", async () => {
    // A second real grpc-js-xds client, in its own process (grpc-js-xds reads
    // its bootstrap once per process) and with ring hash switched off
    // (GRPC_XDS_EXPERIMENTAL_ENABLE_RING_HASH=false, read by grpc-js-xds when
    // it loads): it NACKs a RingHash BackendPolicy, as in test/e2e/poison.test.ts,
    // while ui-client, which connected first, accepts it.
    const strict = spawnChild<XdsClientApi>(join(ROOT, "bench", "xds-client.ts"), [`127.0.0.1:${sys.mesh.adsPort}`, "ui-strict-client", "echo"], "ui-strict-client", {
      GRPC_XDS_EXPERIMENTAL_ENABLE_RING_HASH: "false",
    });
    sys.track(strict, (c) => c.stop());
    const warm = await strict.call("call", { timeoutMs: 30_000 });
    expect(warm.error ?? "").toBe("");
    const policy = (type: string) => ({ kind: "BackendPolicy", metadata: { name: "echo-v1-lb" }, spec: { targetRef: { kind: "Service", name: "echo-v1" }, loadBalancer: { type } } });
    const since = sys.mesh.bridge.events.length;
    expect((await sys.mesh.api("PUT", "/v1/meshes/default/backendpolicies/echo-v1-lb", policy("RingHash"))).status).toBe(201);
    const nack = await sys.mesh.bridge.waitFor((e) => e.event === "nack" && e.proxy === "ui-strict-client", 20_000, since);
    expect(String(nack.error)).toMatch(/lb_policy|RING_HASH/i);

    const page = await signedIn(sys.mesh.wrangler.adminToken);
    await overviewShown(page);
    await expect.poll(() => page.getByTestId("counts-default").textContent(), { timeout: 20_000 }).toMatch(/^SYNCED 1 · STALE 0 · NACKED 1/);
    const rows = page.getByRole("table", { name: /Proxies of default/ }).locator("tbody tr");
    const first = rows.nth(0).locator("td");
    expect(await first.nth(0).textContent()).toBe("ui-strict-client");
    expect(await first.nth(2).textContent()).toBe("NACKED");
    // The error cell is the client's error_detail as the bridge received it, word for word.
    expect(await first.nth(3).textContent()).toBe(String(nack.error));
    expect(await rows.nth(1).locator("td").nth(0).textContent()).toBe("ui-client");
    expect(await rows.nth(1).locator("td").nth(2).textContent()).toBe("SYNCED");
    await shot(page, "overview-nack");

    // The policy's own page shows the refusal in its rollout, with the same error.
    await page.goto(`${sys.mesh.wrangler.url}/ui/#/mesh/default/backendpolicies/echo-v1-lb`);
    await expect.poll(() => page.getByTestId("rollout-summary").textContent(), { timeout: 20_000 }).toMatch(/ACKed 1 · NACKed 1 · pending 0 of 2/);
    const refused = page.getByRole("table", { name: "Proxies", exact: true }).locator("tr", { hasText: "ui-strict-client" });
    expect(await refused.textContent()).toContain(String(nack.error));
    await shot(page, "resource-nack");
    await page.context().close();

    // Fixed again, so the mesh is left as the other tests found it.
    await sys.mesh.api("PUT", "/v1/meshes/default/backendpolicies/echo-v1-lb", policy("RoundRobin"));
    await expect.poll(async () => {
      const res = await sys.mesh.api("GET", "/v1/meshes/default/backendpolicies/echo-v1-lb/status");
      return (res.body.summary as { acked: number }).acked;
    }, { timeout: 20_000 }).toBe(2);
  }, 90_000);
});
