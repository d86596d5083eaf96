/**
 * The endpoint layer (issue 4) through real WebSockets: what one bridge
 * discovers reaches its zone's other bridges and, through the global plane
 * (D1 zone_inventory), the other zones; and the zone keeps working on its
 * own when cut off from D1 and the global plane.
 *
 * The fault is injected at the zone's uplink (src/zone-do/zone-uplink.ts):
 * POST /v1/zones/{zone}/faults {uplinkDown: true}, available because the
 * test Worker runs with EDGEPLANE_FAULTS=on. Every D1 / global call of that
 * zone then fails as an unreachable D1 would; its bridges stay connected.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, journalHead, service } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { connectedBridge } from "./connected-bridge.js";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function workload(name: string, zone: string, health = "healthy") {
  return { kind: "Workload", metadata: { name, mesh: "default" }, spec: { service: "echo", address: "10.0.0.7", port: 7000, zone, health } };
}

async function bridge(zone: string, id: string): Promise<ZoneSocket> {
  const sock = await connectedBridge(zone, id);
  await sock.nextEndpoints();
  return sock;
}

function discover(sock: ZoneSocket, workloads: ReturnType<typeof workload>[]): void {
  sock.send({
    case: "discovered",
    value: { workloads: workloads.map((w) => ({ kind: "Workload", mesh: "default", name: w.metadata.name, document: encoder.encode(JSON.stringify(w)) })) },
  });
}

/** Endpoint sets until one satisfies `pred` (earlier sets may be intermediate). */
async function endpointsUntil(sock: ZoneSocket, pred: (docs: ReturnType<typeof workload>[]) => boolean) {
  for (;;) {
    const set = await sock.nextEndpoints();
    const docs = set.workloads.map((w) => JSON.parse(decoder.decode(w.document)) as ReturnType<typeof workload>);
    if (pred(docs)) return { version: Number(set.version), docs };
  }
}

async function inventoryRow(zone: string) {
  return env.DB.prepare("SELECT report_seq, workloads, updated_at FROM zone_inventory WHERE zone = ?").bind(zone).first<{ report_seq: number; workloads: string; updated_at: string }>();
}

describe("zone endpoint layer", () => {
  it("spreads a discovered workload to the zone's other bridges and to other zones", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const a1 = await bridge("ep-a", "a1");
    const a2 = await bridge("ep-a", "a2");
    const b1 = await bridge("ep-b", "b1");

    discover(a1, [workload("echo-a", "ep-a")]);
    const local = await endpointsUntil(a2, (d) => d.some((w) => w.metadata.name === "echo-a"));
    expect(local.docs).toEqual([workload("echo-a", "ep-a")]);
    const remote = await endpointsUntil(b1, (d) => d.some((w) => w.metadata.name === "echo-a"));
    expect(remote.docs.find((w) => w.metadata.name === "echo-a")?.spec.zone).toBe("ep-a");
    expect(JSON.parse((await inventoryRow("ep-a"))!.workloads)).toHaveLength(1);

    const zones = await call("GET", "/v1/zones");
    const epA = (zones.body.items as { name: string; bridges: { bridgeId: string; connected: boolean; lag: number }[]; lag: number }[]).find((z) => z.name === "ep-a");
    expect(epA?.bridges.map((b) => [b.bridgeId, b.connected])).toEqual([["a1", true], ["a2", true]]);
    expect(epA?.lag).toBe(0);
    const listed = await call("GET", "/v1/meshes/default/workloads?service=echo&zone=ep-a");
    expect((listed.body.items as { metadata: { name: string }; status: { source: string } }[]).map((w) => [w.metadata.name, w.status.source])).toEqual([
      ["echo-a", "zone/ep-a/workloads-dir"],
    ]);
    for (const s of [a1, a2, b1]) s.close();
  });

  it("keeps serving and queueing while cut off, then delivers the queued report exactly once", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const c1 = await bridge("ep-c", "c1");
    const c2 = await bridge("ep-c", "c2");
    const d1 = await bridge("ep-d", "d1");
    discover(c1, [workload("x", "ep-c")]);
    await endpointsUntil(d1, (d) => d.some((w) => w.metadata.name === "x"));
    const before = await inventoryRow("ep-c");

    expect((await call("POST", "/v1/zones/ep-c/faults", { uplinkDown: true })).status).toBe(200);
    discover(c1, [workload("x", "ep-c", "unhealthy")]);
    const seen = await endpointsUntil(c2, (d) => d.some((w) => w.metadata.name === "x" && w.spec.health === "unhealthy"));
    expect(seen.docs).toHaveLength(1);
    discover(c1, [workload("x", "ep-c", "unhealthy"), workload("y", "ep-c")]);
    await endpointsUntil(c2, (d) => d.length === 2);
    // A write while cut off still reaches the zone: its notification carries the committed rows, no D1 read needed.
    await call("PUT", "/v1/meshes/default/services/late", service("late"));
    const stub = env.ZONES.get(env.ZONES.idFromName("ep-c"));
    let cutOff = await stub.status();
    for (let i = 0; i < 50 && cutOff.revision < (await journalHead()); i++) {
      await new Promise((r) => setTimeout(r, 20));
      cutOff = await stub.status();
    }
    expect(cutOff.endpoints.pendingReport).toBeGreaterThan(before!.report_seq);
    expect(cutOff.revision).toBe(await journalHead());
    expect((await inventoryRow("ep-c"))!.report_seq).toBe(before!.report_seq);

    const back = (await call("POST", "/v1/zones/ep-c/faults", { uplinkDown: false })).body as { revision: number; endpoints: { pendingReport: number } };
    expect(back.endpoints.pendingReport).toBe(0);
    expect(back.revision).toBe(await journalHead());
    const after = await inventoryRow("ep-c");
    expect(after!.report_seq).toBe(cutOff.endpoints.pendingReport);
    expect(JSON.parse(after!.workloads).map((w: { name: string }) => w.name)).toEqual(["x", "y"]);
    const remote = await endpointsUntil(d1, (d) => d.some((w) => w.metadata.name === "y"));
    expect(remote.docs.find((w) => w.metadata.name === "x")?.spec.health).toBe("unhealthy");

    // Reconnecting again sends nothing twice: the outbox is empty, the row untouched.
    await call("POST", "/v1/zones/ep-c/faults", { uplinkDown: false });
    expect(await inventoryRow("ep-c")).toEqual(after);
    for (const s of [c1, c2, d1]) s.close();
  });

  it("reaches a zone with an ingress through it, as one endpoint weighted by its healthy instances", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const i1 = await bridge("ep-i", "i1"); // creates Zone ep-i (no ingress yet)
    const zone = await call("PUT", "/v1/zones/ep-i", { kind: "Zone", metadata: { name: "ep-i" }, spec: { ingress: { address: "203.0.113.5", port: 15443 } } });
    expect(zone.status).toBe(200);
    const j1 = await bridge("ep-j", "j1");
    discover(i1, [
      { ...workload("i-a", "ep-i"), spec: { ...workload("i-a", "ep-i").spec, address: "10.9.0.1" } },
      { ...workload("i-b", "ep-i"), spec: { ...workload("i-b", "ep-i").spec, address: "10.9.0.2" } },
      { ...workload("i-c", "ep-i", "unhealthy"), spec: { ...workload("i-c", "ep-i", "unhealthy").spec, address: "10.9.0.3" } },
    ]);
    const seen = await endpointsUntil(j1, (d) => d.some((w) => w.spec.zone === "ep-i"));
    const fromI = seen.docs.filter((w) => w.spec.zone === "ep-i");
    expect(fromI).toEqual([
      {
        kind: "Workload",
        metadata: { name: "ep-i-ingress-echo", mesh: "default", labels: { "edgeplane.io/ingress": "ep-i" } },
        spec: { service: "echo", address: "203.0.113.5", port: 15443, zone: "ep-i", health: "healthy", weight: 2 },
      },
    ]);
    i1.close();
    j1.close();
  });

  it("refuses the fault switch without a boolean", async () => {
    const res = await call("POST", "/v1/zones/ep-c/faults", { uplinkDown: "yes" });
    expect(res.status).toBe(422);
    expect(res.body.field).toBe("uplinkDown");
  });
});

describe("what bridges report is checked (hardening 10)", () => {
  it("takes the valid workloads of a report, refuses the others with the field at fault, and lists only valid ones", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const sock = await bridge("ep-bad", "bad1");
    const bad = { ...workload("no-ip", "ep-bad"), spec: { ...workload("no-ip", "ep-bad").spec, address: "not-an-ip" } };
    const otherZone = workload("elsewhere", "ep-other");
    discover(sock, [workload("good", "ep-bad"), bad, otherZone]);
    sock.send({ case: "discovered", value: { workloads: [{ kind: "Workload", mesh: "default", name: "garbage", document: encoder.encode("{not json") }] } });
    const answers = [];
    while (answers.length < 2) {
      const m = await sock.next();
      if (m.msg.case === "discoveryRefused") answers.push(m.msg.value.refused.map((r) => [r.name, r.reason.split(":")[0]]));
    }
    expect(answers[0]).toEqual([["no-ip", "spec.address"], ["elsewhere", "spec.zone"]]);
    expect(answers[1]).toEqual([["garbage", "not a JSON document"]]);

    // A row stored before zones checked reports must not break the listing.
    await env.DB.prepare("INSERT INTO zone_inventory (zone, report_seq, workloads, ingress, updated_at) VALUES ('ep-old', 1, ?, NULL, '2026-01-01T00:00:00Z')")
      .bind(JSON.stringify([{ key: "Workload/default/broken", mesh: "default", name: "broken", document: '{"kind":"Workload"}' }]))
      .run();
    const listed = await call("GET", "/v1/meshes/default/workloads");
    expect(listed.status).toBe(200);
    const names = (listed.body.items as { metadata: { name: string } }[]).map((w) => w.metadata.name);
    expect(names).not.toContain("broken");
    sock.close();
  });
});
