import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { routeOf } from "../../src/api/access.js";
import { app } from "../../src/api/app.js";
import { UI_ROUTES } from "../../src/ui/ui-route-table.js";
import { parse } from "yaml";
import { call, fetchAsAdmin, route, service } from "./api-helpers.js";
import { apiToken } from "./api-token.js";
import type { ProxyList } from "../../src/contract/zone-status.js";

interface Element {
  tag: string;
  attrs: Record<string, string>;
}

/** The page's elements and their attributes, read by workerd's own HTML parser. */
async function elements(res: Response): Promise<Element[]> {
  const found: Element[] = [];
  await new HTMLRewriter()
    .on("*", {
      element(el) {
        found.push({ tag: el.tagName, attrs: Object.fromEntries([...el.attributes]) });
      },
    })
    .transform(res)
    .text();
  return found;
}
const one = (els: Element[], tag: string, attr: string, value: string) => els.filter((e) => e.tag === tag && e.attrs[attr] === value);

describe("the dashboard's pages", () => {
  it("redirects / to /ui/", async () => {
    const res = await SELF.fetch("http://api/", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/ui/");
  });

  it("serves the sign-in form without a token, labelled, with the script from the Worker itself", async () => {
    const res = await SELF.fetch("http://api/ui/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const els = await elements(res);
    expect(one(els, "form", "id", "sign-in")).toHaveLength(1);
    expect(one(els, "input", "id", "token")[0]?.attrs.type).toBe("password");
    expect(one(els, "label", "for", "token")).toHaveLength(1);
    expect(one(els, "button", "type", "submit")).toHaveLength(1);
    const scripts = els.filter((e) => e.tag === "script");
    expect(scripts.map((s) => s.attrs.src)).toEqual(["/ui/app.js"]);
    // Nothing from elsewhere: every link and script is same-origin.
    const refs = els.flatMap((e) => [e.attrs.src, e.attrs.href].filter((v): v is string => v !== undefined));
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r))).toEqual([]);
    expect(one(els, "meta", "name", "viewport")).toHaveLength(1);
  });

  it("serves the script and every module it imports as JavaScript, the same to everyone", async () => {
    const seen = new Map<string, string>();
    const pending = ["/ui/app.js"];
    // Follows the static imports from the entry script: every module the browser will ask for is served.
    while (pending.length > 0) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      const res = await SELF.fetch(`http://api${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
      const text = await res.text();
      seen.set(path, text);
      for (const m of text.matchAll(/^import .* from "\.\/([a-z-]+\.js)";$/gm)) pending.push(`/ui/${m[1]}`);
    }
    expect([...seen.keys()].sort()).toEqual(UI_ROUTES.filter((r) => r.path.endsWith(".js")).map((r) => r.path).sort());
    const all = [...seen.values()].join("\n");
    // They talk to the JSON API with the token in a header, never in a cookie.
    expect(seen.get("/ui/dom.js")).toContain("authorization: `Bearer ${token()}`");
    expect(all).not.toContain("document.cookie");
    expect((await SELF.fetch("http://api/ui/nothing.js")).status).toBe(404);
  });

  it("has an access decision for every dashboard route the app registers, and none the app lacks", () => {
    const registered = app.routes.filter((r) => r.method !== "ALL" && (r.path === "/" || r.path.startsWith("/ui"))).map((r) => `${r.method} ${r.path}`);
    expect(registered.sort()).toEqual(UI_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const r of UI_ROUTES) expect(routeOf(r.method, r.path)?.route.access).toEqual(r.access);
  });
});

describe("writes the dashboard makes", () => {
  it("a cross-site form post is refused and writes nothing", async () => {
    const res = await SELF.fetch("http://api/v1/apply", {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: "kind=Service",
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("forbidden_origin");
  });

  it("a same-origin request without the token header is refused: no cookie signs the user in", async () => {
    const res = await SELF.fetch("http://api/v1/apply", {
      method: "POST",
      headers: { origin: "http://api", "content-type": "application/yaml", cookie: "edgeplane=anything" },
      body: "kind: Service\nmetadata: {name: x}\n",
    });
    expect(res.status).toBe(401);
  });

  it("a reader's rollback from the page is refused with 403", async () => {
    expect((await call("PUT", "/v1/meshes/default/services/ui-echo", service("ui-echo"))).status).toBeLessThan(300);
    expect((await call("PUT", "/v1/meshes/default/httproutes/ui-r", route("ui-r", "ui-echo", [{ name: "ui-echo", weight: 1 }]))).status).toBeLessThan(300);
    const reader = await apiToken("reader");
    const res = await call("POST", "/v1/meshes/default/httproutes/ui-r/rollback", { revision: 1 }, { authorization: `Bearer ${reader}`, origin: "http://api" });
    expect(res.status).toBe(403);
  });
});

describe("what the resource page reads", () => {
  it("a document as YAML: the stored document, readable back as the same", async () => {
    await call("PUT", "/v1/meshes/default/services/ui-yaml", service("ui-yaml"));
    const json = await call("GET", "/v1/meshes/default/services/ui-yaml");
    const res = await fetchAsAdmin("http://api/v1/meshes/default/services/ui-yaml?format=yaml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/yaml/);
    // Decoded by hand: workerd warns when .text() reads a type it does not count as text.
    const text = new TextDecoder().decode(await res.arrayBuffer());
    expect(text).toMatch(/^kind: Service$/m);
    expect(parse(text)).toEqual(json.body);
    expect((await call("GET", "/v1/meshes/default/services/ui-yaml?format=xml")).status).toBe(400);
  });

  it("a diff of two revisions line by line on their YAML: the changed weight faces the old one", async () => {
    await call("PUT", "/v1/meshes/default/services/ui-d1", service("ui-d1"));
    await call("PUT", "/v1/meshes/default/services/ui-d2", service("ui-d2"));
    const first = await call("PUT", "/v1/meshes/default/httproutes/ui-diff", route("ui-diff", "ui-d1", [{ name: "ui-d1", weight: 80 }, { name: "ui-d2", weight: 20 }]));
    const second = await call("PUT", "/v1/meshes/default/httproutes/ui-diff", route("ui-diff", "ui-d1", [{ name: "ui-d1", weight: 50 }, { name: "ui-d2", weight: 20 }]));
    const from = (first.body.metadata as { revision: number }).revision;
    const to = (second.body.metadata as { revision: number }).revision;
    const res = await call("GET", `/v1/meshes/default/httproutes/ui-diff/diff?from=${from}&format=yaml`);
    expect(res.status).toBe(200);
    const lines = res.body.lines as { op: string; text: string }[];
    const changed = lines.filter((l) => l.op !== "same").map((l) => `${l.op} ${l.text.trim()}`);
    // The revision in metadata changes too; the weight is the one spec line that does.
    expect(changed).toContain("remove weight: 80");
    expect(changed).toContain("add weight: 50");
    expect(changed.filter((l) => l.includes("weight"))).toHaveLength(2);
    expect(lines.some((l) => l.op === "same" && l.text.trim() === "weight: 20")).toBe(true);
    expect(res.body.to).toBe(to);
    // Without format=yaml the answer is as before: field changes only.
    expect((await call("GET", `/v1/meshes/default/httproutes/ui-diff/diff?from=${from}`)).body.lines).toBeUndefined();
  });
});

describe("the proxies page", () => {
  // The fields it draws, named as the proxies API answers them (a rename in
  // ProxyList fails to compile here; zone-certificates.test.ts checks the
  // API fills them in a mesh with mTLS).
  const drawn = ["identity", "certificateNotAfter", "certificateSerial"] as const satisfies readonly (keyof ProxyList["items"][number])[];

  it("has an Identity and a Certificate expires column, drawn from the API's fields, a dash without them", async () => {
    const res = await SELF.fetch("http://api/ui/mesh-pages.js");
    expect(res.status).toBe(200);
    const text = await res.text();
    const proxiesPage = text.slice(text.indexOf("export async function proxies("));
    expect(proxiesPage).toContain('["Proxy", "Zone", "Bridge", "Kind", "Connected", "Identity", "Certificate expires", "Per type"]');
    for (const field of drawn) expect(proxiesPage).toContain(`p.${field}`);
    // A proxy without identity shows "-" as text; the expiry cell is dom.js's expiry(), which does the same.
    expect(proxiesPage).toMatch(/p\.identity \? .* : "-"/);
    expect(proxiesPage).toContain("expiry(p.certificateNotAfter)");
    const dom = await (await SELF.fetch("http://api/ui/dom.js")).text();
    expect(dom).toMatch(/export function expiry\(iso, now = Date\.now\(\)\)/);
  });
});
