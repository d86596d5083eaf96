import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, journalHead, route, service } from "./api-helpers.js";

interface HistoryItem {
  revision: number;
  op: "put" | "delete";
  at: string;
  document: { kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> };
}

const revisionOf = (res: { body: Record<string, unknown> }) => (res.body.metadata as { revision: number }).revision;
const itemsOf = (res: { body: Record<string, unknown> }) => res.body.items as HistoryItem[];

/** A Service with a create, an update, a delete and a re-create: four revisions. */
async function serviceWithFourRevisions(name: string): Promise<number[]> {
  const created = revisionOf(await call("PUT", `/v1/meshes/default/services/${name}`, service(name, 1000)));
  const updated = revisionOf(await call("PUT", `/v1/meshes/default/services/${name}`, service(name, 2000)));
  const deleted = (await call("DELETE", `/v1/meshes/default/services/${name}`)).body.revision as number;
  const recreated = revisionOf(await call("PUT", `/v1/meshes/default/services/${name}`, service(name, 3000)));
  return [created, updated, deleted, recreated];
}

describe("GET .../history", () => {
  it("lists every revision newest first, deletes included, with their documents", async () => {
    const [created, updated, deleted, recreated] = await serviceWithFourRevisions("h-all");
    const res = await call("GET", "/v1/meshes/default/services/h-all/history");
    expect(res.status).toBe(200);
    expect(res.body.next).toBeNull();
    const items = itemsOf(res);
    expect(items.map((i) => [i.revision, i.op])).toEqual([
      [recreated, "put"],
      [deleted, "delete"],
      [updated, "put"],
      [created, "put"],
    ]);
    expect(items.map((i) => (i.document.spec.ports as { port: number }[])[0]!.port)).toEqual([3000, 2000, 2000, 1000]);
    expect(items[0]!.document).toMatchObject({ kind: "Service", metadata: { name: "h-all", mesh: "default" } });
    expect(Number.isNaN(Date.parse(items[0]!.at))).toBe(false);
  });

  it("pages with limit and the before cursor", async () => {
    const revs = await serviceWithFourRevisions("h-page");
    const first = await call("GET", "/v1/meshes/default/services/h-page/history?limit=3");
    expect(itemsOf(first).map((i) => i.revision)).toEqual([revs[3], revs[2], revs[1]]);
    expect(first.body.next).toBe(revs[1]);
    const second = await call("GET", `/v1/meshes/default/services/h-page/history?limit=3&before=${String(first.body.next)}`);
    expect(itemsOf(second).map((i) => i.revision)).toEqual([revs[0]]);
    expect(second.body.next).toBeNull();
    // Past the oldest entry the answer is an empty page, not a 404.
    const past = await call("GET", `/v1/meshes/default/services/h-page/history?before=${revs[0]}`);
    expect(past.status).toBe(200);
    expect(past.body).toEqual({ items: [], next: null });
  });

  it("answers the same for global kinds", async () => {
    await call("PUT", "/v1/zones/h-zone", { kind: "Zone", metadata: { name: "h-zone" }, spec: {} });
    await call("PUT", "/v1/zones/h-zone", { kind: "Zone", metadata: { name: "h-zone" }, spec: { ingress: { address: "10.0.0.1", port: 443 } } });
    const zone = await call("GET", "/v1/zones/h-zone/history");
    expect(itemsOf(zone).map((i) => i.op)).toEqual(["put", "put"]);
    expect(itemsOf(zone)[0]!.document.spec).toEqual({ ingress: { address: "10.0.0.1", port: 443 } });

    const mesh = await call("GET", "/v1/meshes/default/history");
    expect(mesh.status).toBe(200);
    expect(itemsOf(mesh).at(-1)).toMatchObject({ op: "put", document: { kind: "Mesh", metadata: { name: "default" } } });
  });

  it("404s for a resource that never existed, and refuses bad paging parameters", async () => {
    const missing = await call("GET", "/v1/meshes/default/services/h-never/history");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("not_found");
    expect((await call("GET", "/v1/zones/h-never/history")).status).toBe(404);
    expect((await call("GET", "/v1/meshes/default/gizmos/x/history")).body.code).toBe("not_found");

    await call("PUT", "/v1/meshes/default/services/h-params", service("h-params"));
    for (const [query, field] of [["limit=0", "limit"], ["limit=501", "limit"], ["limit=ten", "limit"], ["before=-3", "before"]]) {
      const res = await call("GET", `/v1/meshes/default/services/h-params/history?${query}`);
      expect(res.status, query).toBe(422);
      expect(res.body, query).toMatchObject({ code: "invalid_field", field });
    }
    expect(itemsOf(await call("GET", "/v1/meshes/default/services/h-params/history?limit=500"))).toHaveLength(1);
  });

  it("keeps names and kinds called history working", async () => {
    await call("PUT", "/v1/meshes/default/services/history", service("history"));
    expect((await call("GET", "/v1/meshes/default/services/history")).body).toMatchObject({ metadata: { name: "history" } });
    expect(itemsOf(await call("GET", "/v1/meshes/default/services/history/history"))).toHaveLength(1);
    expect((await call("GET", "/v1/meshes/default/services")).status).toBe(200);
  });
});

describe("GET .../diff", () => {
  it("shows a weight change, an added match and a removed field", async () => {
    await call("POST", "/v1/apply", [service("d-echo"), service("d-v1"), service("d-v2")]);
    const v1 = route("d-split", "d-echo", [{ name: "d-v1", weight: 80 }, { name: "d-v2", weight: 20 }]);
    (v1.spec.rules[0] as Record<string, unknown>).timeouts = { request: "2s" };
    const from = revisionOf(await call("PUT", "/v1/meshes/default/httproutes/d-split", v1));
    const v2 = route("d-split", "d-echo", [{ name: "d-v1", weight: 50 }, { name: "d-v2", weight: 50 }]);
    (v2.spec.rules[0] as Record<string, unknown>).matches = [{ path: { type: "PathPrefix", value: "/api" } }];
    const to = revisionOf(await call("PUT", "/v1/meshes/default/httproutes/d-split", v2));

    const res = await call("GET", `/v1/meshes/default/httproutes/d-split/diff?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      from,
      to,
      changes: [
        { path: "spec.rules[0].backendRefs[0].weight", op: "replace", from: 80, to: 50 },
        { path: "spec.rules[0].backendRefs[1].weight", op: "replace", from: 20, to: 50 },
        { path: "spec.rules[0].matches", op: "add", to: [{ path: { type: "PathPrefix", value: "/api" } }] },
        { path: "spec.rules[0].timeouts", op: "remove", from: { request: "2s" } },
      ],
    });
    // `to` defaults to the newest revision; a revision against itself has no changes.
    expect((await call("GET", `/v1/meshes/default/httproutes/d-split/diff?from=${from}`)).body.to).toBe(to);
    expect((await call("GET", `/v1/meshes/default/httproutes/d-split/diff?from=${to}`)).body).toEqual({ from: to, to, changes: [] });
  });

  it("diffs a delete as the document going away", async () => {
    const [, updated, deleted, recreated] = await serviceWithFourRevisions("d-gone");
    const gone = await call("GET", `/v1/meshes/default/services/d-gone/diff?from=${updated}&to=${deleted}`);
    expect(gone.body.changes).toEqual([{ path: "", op: "remove", from: service("d-gone", 2000) }]);
    const back = await call("GET", `/v1/meshes/default/services/d-gone/diff?from=${deleted}&to=${recreated}`);
    expect(back.body.changes).toEqual([{ path: "", op: "add", to: service("d-gone", 3000) }]);
  });

  it("refuses revisions of another resource and missing or bad parameters", async () => {
    const mine = revisionOf(await call("PUT", "/v1/meshes/default/services/d-mine", service("d-mine")));
    const theirs = revisionOf(await call("PUT", "/v1/meshes/default/services/d-theirs", service("d-theirs")));
    const base = "/v1/meshes/default/services/d-mine/diff";
    expect((await call("GET", `${base}?from=${theirs}`)).body).toMatchObject({ code: "invalid_field", field: "from" });
    expect((await call("GET", `${base}?from=${mine}&to=${theirs}`)).body).toMatchObject({ code: "invalid_field", field: "to" });
    expect((await call("GET", `${base}?from=${mine}&to=999999999`)).body).toMatchObject({ code: "invalid_field", field: "to" });
    expect((await call("GET", base)).body).toMatchObject({ code: "missing_field", field: "from" });
    expect((await call("GET", `${base}?from=abc`)).body).toMatchObject({ code: "invalid_field", field: "from" });
    expect((await call("GET", `/v1/meshes/default/services/d-never/diff?from=${mine}`)).status).toBe(404);
  });
});

describe("POST .../rollback", () => {
  it("writes the old document as a new revision that history shows", async () => {
    const first = revisionOf(await call("PUT", "/v1/meshes/default/services/r-svc", service("r-svc", 1000)));
    const second = revisionOf(await call("PUT", "/v1/meshes/default/services/r-svc", service("r-svc", 2000)));
    const res = await call("POST", "/v1/meshes/default/services/r-svc/rollback", { revision: first });
    expect(res.status).toBe(200);
    const rolled = revisionOf(res);
    expect(rolled).toBe(await journalHead());
    expect(rolled).toBeGreaterThan(second);
    expect(res.headers.get("etag")).toBe(`"${rolled}"`);
    expect(res.body).toMatchObject({ spec: { ports: [{ port: 1000 }] } });
    expect((await call("GET", "/v1/meshes/default/services/r-svc")).body).toMatchObject({ spec: { ports: [{ port: 1000 }] } });

    const history = itemsOf(await call("GET", "/v1/meshes/default/services/r-svc/history"));
    expect(history.map((i) => i.revision)).toEqual([rolled, second, first]);
    expect(history[0]!.document).toEqual(history[2]!.document);
  });

  it("writes nothing when the old document is the current one, and reads YAML bodies", async () => {
    const first = revisionOf(await call("PUT", "/v1/meshes/default/services/r-same", service("r-same")));
    const before = await journalHead();
    const res = await call("POST", "/v1/meshes/default/services/r-same/rollback", `revision: ${first}\n`, { "content-type": "application/yaml" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${first}"`);
    expect(await journalHead()).toBe(before);
  });

  it("honours If-Match", async () => {
    const first = revisionOf(await call("PUT", "/v1/meshes/default/services/r-cond", service("r-cond", 1000)));
    const second = revisionOf(await call("PUT", "/v1/meshes/default/services/r-cond", service("r-cond", 2000)));
    const before = await journalHead();
    const stale = await call("POST", "/v1/meshes/default/services/r-cond/rollback", { revision: first }, { "if-match": `"${first}"` });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe("precondition_failed");
    expect(await journalHead()).toBe(before);
    const fresh = await call("POST", "/v1/meshes/default/services/r-cond/rollback", { revision: first }, { "if-match": `"${second}"` });
    expect(fresh.status).toBe(200);
    expect(revisionOf(fresh)).toBeGreaterThan(second);
  });

  it("refuses a delete revision with a hint to the version before it", async () => {
    const [, updated, deleted] = await serviceWithFourRevisions("r-del");
    const before = await journalHead();
    const res = await call("POST", "/v1/meshes/default/services/r-del/rollback", { revision: deleted });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "invalid_field", field: "revision" });
    expect(String(res.body.hint)).toContain(String(updated));
    expect(await journalHead()).toBe(before);
  });

  it("refuses a revision of another resource and malformed bodies", async () => {
    await call("PUT", "/v1/meshes/default/services/r-mine", service("r-mine"));
    const theirs = revisionOf(await call("PUT", "/v1/meshes/default/services/r-theirs", service("r-theirs")));
    const base = "/v1/meshes/default/services/r-mine/rollback";
    expect((await call("POST", base, { revision: theirs })).body).toMatchObject({ code: "invalid_field", field: "revision" });
    expect((await call("POST", base, { revision: "latest" })).body).toMatchObject({ code: "invalid_field", field: "revision" });
    expect((await call("POST", base, {})).body).toMatchObject({ code: "missing_field", field: "revision" });
    expect((await call("POST", base, { revison: 3 })).body).toMatchObject({ code: "unknown_field", field: "revison" });
    expect((await call("POST", "/v1/meshes/default/services/r-never/rollback", { revision: theirs })).status).toBe(404);
  });

  it("re-creates a deleted resource", async () => {
    const first = revisionOf(await call("PUT", "/v1/meshes/default/services/r-back", service("r-back")));
    await call("DELETE", "/v1/meshes/default/services/r-back");
    const res = await call("POST", "/v1/meshes/default/services/r-back/rollback", { revision: first });
    expect(res.status).toBe(201);
    expect((await call("GET", "/v1/meshes/default/services/r-back")).status).toBe(200);
  });

  it("still checks references: a route naming a since-deleted Service is refused", async () => {
    await call("POST", "/v1/apply", [service("r-parent"), service("r-old"), service("r-new")]);
    const old = revisionOf(await call("PUT", "/v1/meshes/default/httproutes/r-route", route("r-route", "r-parent", [{ name: "r-old" }])));
    await call("PUT", "/v1/meshes/default/httproutes/r-route", route("r-route", "r-parent", [{ name: "r-new" }]));
    expect((await call("DELETE", "/v1/meshes/default/services/r-old")).status).toBe(200);
    const before = await journalHead();
    const res = await call("POST", "/v1/meshes/default/httproutes/r-route/rollback", { revision: old });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "missing_reference", field: "spec.rules[0].backendRefs[0].name" });
    expect(await journalHead()).toBe(before);
  });

  it("wakes the zones like any other write", async () => {
    await call("PUT", "/v1/zones/r-zone", { kind: "Zone", metadata: { name: "r-zone" }, spec: {} });
    const first = revisionOf(await call("PUT", "/v1/meshes/default/services/r-push", service("r-push", 1000)));
    await call("PUT", "/v1/meshes/default/services/r-push", service("r-push", 2000));
    const rolled = revisionOf(await call("POST", "/v1/meshes/default/services/r-push/rollback", { revision: first }));
    const zone = env.ZONES.get(env.ZONES.idFromName("r-zone"));
    let revision = 0;
    for (let i = 0; i < 100 && revision < rolled; i++) {
      revision = (await zone.status()).revision;
      if (revision < rolled) await new Promise((r) => setTimeout(r, 20));
    }
    expect(revision).toBeGreaterThanOrEqual(rolled);
  });
});
