import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, journalHead, route, service } from "./api-helpers.js";
import { countedCall, type RoundTrip } from "./d1-round-trips.js";

/** The trips of the write itself: a token's revocation lookup, where the route makes one before its handler, is not the write's (the PUT of a mesh's resource asks inside its batch: token-revocation.test.ts). */
const writeTrips = (trips: RoundTrip[]) => trips.filter((t) => t.call === "batch" || !t.sql.includes("api_tokens"));
const revisionOf = (body: Record<string, unknown>) => (body.metadata as { revision: number }).revision;

describe("D1 round trips of a write (issue 13: four sequential ones made one batch)", () => {
  it("a plain PUT, created or updated, is one batch, the answer read in it", async () => {
    const created = await countedCall("PUT", "/v1/meshes/default/services/rt-a", service("rt-a"));
    expect(created.status).toBe(201);
    expect(writeTrips(created.trips).map((t) => t.call)).toEqual(["batch"]);
    const updated = await countedCall("PUT", "/v1/meshes/default/services/rt-a", service("rt-a", 8080), { "if-match": `"${revisionOf(created.body)}"` });
    expect(updated.status).toBe(200);
    expect(revisionOf(updated.body)).toBeGreaterThan(revisionOf(created.body));
    expect((updated.body.spec as { ports: { port: number }[] }).ports[0]!.port).toBe(8080);
    expect(writeTrips(updated.trips).map((t) => t.call)).toEqual(["batch"]);
  });

  it("a route whose parent names a port: its references and the port are checked inside the batch", async () => {
    await call("PUT", "/v1/meshes/default/services/rt-b", service("rt-b", 9090));
    const doc = { ...route("rt-b", "rt-b", [{ name: "rt-b" }]), spec: { parentRefs: [{ name: "rt-b", port: 9090 }], rules: [{ backendRefs: [{ name: "rt-b" }] }] } };
    const put = await countedCall("PUT", "/v1/meshes/default/httproutes/rt-b", doc);
    expect(put.status).toBe(201);
    expect(writeTrips(put.trips).map((t) => t.call)).toEqual(["batch"]);
    // A port the Service lacks fails the batch's condition; the reading path names it as always.
    const bad = await call("PUT", "/v1/meshes/default/httproutes/rt-b2", { ...doc, metadata: { name: "rt-b2", mesh: "default" }, spec: { ...doc.spec, parentRefs: [{ name: "rt-b", port: 1 }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe("spec.parentRefs[0].port");
  });

  it("the zones are woken with the zone list the write's batch read: no D1 trip between the commit and the zones", async () => {
    // One zone declared, one only seen: both are in the list the batch reads.
    await call("PUT", "/v1/zones/rt-declared", { kind: "Zone", metadata: { name: "rt-declared" }, spec: {} });
    await env.DB.prepare("INSERT OR IGNORE INTO zones_seen (name) VALUES ('rt-seen')").run();
    const put = await countedCall("PUT", "/v1/meshes/default/services/rt-z", service("rt-z"));
    expect(put.status).toBe(201);
    expect(writeTrips(put.trips).map((t) => t.call)).toEqual(["batch"]);
    expect(put.trips[0]!.sql).toContain("zones_seen");
    // After the answer: the zones' own calls only, no read of the zone list.
    expect(put.after.filter((t) => t.sql.includes("zones_seen"))).toEqual([]);
    // And both were woken: each holds the revision.
    for (const zone of ["rt-declared", "rt-seen"]) expect((await env.ZONES.get(env.ZONES.idFromName(zone)).status()).revision).toBeGreaterThanOrEqual(revisionOf(put.body));
  });

  it("an identical PUT is one batch and writes no revision", async () => {
    const first = await call("PUT", "/v1/meshes/default/services/rt-c", service("rt-c"));
    const head = await journalHead();
    const again = await countedCall("PUT", "/v1/meshes/default/services/rt-c", service("rt-c"));
    expect(again.status).toBe(200);
    expect(revisionOf(again.body)).toBe(revisionOf(first.body));
    expect(writeTrips(again.trips).map((t) => t.call)).toEqual(["batch"]);
    expect(await journalHead()).toBe(head);
  });

  it("a DELETE of a resource nothing names is one batch", async () => {
    await call("PUT", "/v1/meshes/default/services/rt-d", service("rt-d"));
    await call("PUT", "/v1/meshes/default/httproutes/rt-d", route("rt-d", "rt-d", [{ name: "rt-d" }]));
    const head = await journalHead();
    const deleted = await countedCall("DELETE", "/v1/meshes/default/httproutes/rt-d");
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ kind: "HTTPRoute", name: "rt-d", action: "deleted", revision: head + 1 });
    expect(writeTrips(deleted.trips).map((t) => t.call)).toEqual(["batch"]);
    expect((await call("GET", "/v1/meshes/default/httproutes/rt-d")).status).toBe(404);
    expect((await call("DELETE", "/v1/meshes/default/httproutes/rt-d")).status).toBe(404);
  });

  it("two concurrent PUTs with the same If-Match: one wins, the other is 412, one journal row", async () => {
    const base = await call("PUT", "/v1/meshes/default/services/rt-race", service("rt-race"));
    const head = await journalHead();
    const ifMatch = { "if-match": `"${revisionOf(base.body)}"` };
    const [a, b] = await Promise.all([
      call("PUT", "/v1/meshes/default/services/rt-race", service("rt-race", 1001), ifMatch),
      call("PUT", "/v1/meshes/default/services/rt-race", service("rt-race", 1002), ifMatch),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    expect(await journalHead()).toBe(head + 1);
    const winner = a.status === 200 ? 1001 : 1002;
    const now = await call("GET", "/v1/meshes/default/services/rt-race");
    expect((now.body.spec as { ports: { port: number }[] }).ports[0]!.port).toBe(winner);
    expect(revisionOf(now.body)).toBe(head + 1);
  });

  it("two concurrent DELETEs with the same If-Match: one deletes, one journal row", async () => {
    await call("PUT", "/v1/meshes/default/services/rt-del", service("rt-del"));
    const put = await call("PUT", "/v1/meshes/default/httproutes/rt-del", route("rt-del", "rt-del", [{ name: "rt-del" }]));
    const head = await journalHead();
    const ifMatch = { "if-match": `"${revisionOf(put.body)}"` };
    const answers = await Promise.all([call("DELETE", "/v1/meshes/default/httproutes/rt-del", undefined, ifMatch), call("DELETE", "/v1/meshes/default/httproutes/rt-del", undefined, ifMatch)]);
    // The loser finds it gone (404) or, had it read first, its revision moved on (412): never a second delete.
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.map((r) => r.status).filter((s) => s !== 200)[0]).toBeOneOf([404, 412]);
    expect(await journalHead()).toBe(head + 1);
  });
});
