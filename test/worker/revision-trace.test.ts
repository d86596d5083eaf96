import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ResourceStatus } from "../../src/contract/rollout.js";
import { call, service } from "./api-helpers.js";
import { connectedBridge } from "./connected-bridge.js";

/** A bridge whose clock runs this far behind the zone's: the trace must undo it. */
const BRIDGE_BEHIND_MS = 100_000;

const zoneWithBridge = (zone: string, bridgeId: string) => connectedBridge(zone, bridgeId);

async function statusUntil(path: string, pred: (s: ResourceStatus) => boolean): Promise<ResourceStatus> {
  for (let i = 0; i < 100; i++) {
    const res = await call("GET", path);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    const s = res.body as unknown as ResourceStatus;
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} never matched: ${JSON.stringify((await call("GET", path)).body.trace)}`);
}

describe("per-hop trace of a revision", () => {
  it("answers a clock probe with the probe's time and the zone's", async () => {
    const sock = await zoneWithBridge("tr-clock", "bridge-clock");
    const before = Date.now();
    sock.send({ case: "clockProbe", value: { bridgeSentMs: 1234.5 } });
    let m = await sock.next();
    while (m.msg.case === "endpoints") m = await sock.next();
    if (m.msg.case !== "clockEcho") throw new Error(`expected clockEcho, got ${m.msg.case}`);
    expect(m.msg.value.bridgeSentMs).toBe(1234.5);
    expect(m.msg.value.zoneMs).toBeGreaterThanOrEqual(before);
    sock.close();
  });

  it("returns the zone's and the bridge's hops since the commit, bridge times moved onto the zone's clock", async () => {
    const sock = await zoneWithBridge("tr-a", "bridge-tr-a");
    const put = await call("PUT", "/v1/meshes/default/services/tr-echo", service("tr-echo"));
    const revision = (put.body.metadata as { revision: number }).revision;
    const update = await sock.nextUpdate();
    expect(Number(update.revision)).toBe(revision);
    const path = "/v1/meshes/default/services/tr-echo/status";

    // The API's commit report arrives after the sync (waitUntil): wait for it.
    const zoneOnly = await statusUntil(path, (s) => s.trace.zones.some((z) => z.zone === "tr-a" && z.hops[0]!.ms === 0));
    const zone = zoneOnly.trace.zones.find((z) => z.zone === "tr-a")!;
    expect(zone.updateRevision).toBe(revision);
    expect(zone.hops.map((h) => h.hop)).toEqual(["committed", "zone notified", "zone applied", "frame sent"]);
    // Ordered, within the uncertainty of the commit's offset (Worker and zone read one clock here, but that is not assumed).
    const ms = zone.hops.map((h) => h.ms!);
    for (let i = 1; i < ms.length; i++) expect(ms[i]! + zone.uncertaintyMs).toBeGreaterThanOrEqual(ms[i - 1]!);
    expect(zone.bridges).toEqual([]);

    // The zone's raw record gives the origin on its clock; the bridge reports on a clock far behind.
    const raw = (await env.ZONES.get(env.ZONES.idFromName("tr-a")).revisionTrace("Service/default/tr-echo"))!;
    expect(raw.revision).toBe(revision);
    const origin = raw.committedMs!;
    const onBridge = (sinceCommit: number) => origin + sinceCommit - BRIDGE_BEHIND_MS;
    sock.send({
      case: "trace",
      value: {
        revision: BigInt(revision),
        zoneMinusBridgeMs: BRIDGE_BEHIND_MS,
        clockRttMs: 0.5,
        receivedMs: onBridge(10),
        translatedMs: onBridge(12),
        publishedMs: onBridge(13),
        proxiesPushed: 2,
        proxiesAcked: 2,
        firstPushMs: onBridge(13.25),
        lastPushMs: onBridge(13.5),
        lastAckMs: onBridge(20),
        slowestProxy: "p-slow",
        slowestPushedMs: onBridge(13.5),
        slowestAckedMs: onBridge(20),
      },
    });
    const traced = await statusUntil(path, (s) => s.trace.zones.some((z) => z.zone === "tr-a" && z.bridges.length === 1));
    const bridge = traced.trace.zones.find((z) => z.zone === "tr-a")!.bridges[0]!;
    expect(bridge).toEqual({
      bridgeId: "bridge-tr-a",
      uncertaintyMs: Math.round((raw.commitUncertaintyMs! + 0.25) * 100) / 100,
      hops: [
        { hop: "bridge received", ms: 10 },
        { hop: "translated", ms: 12 },
        { hop: "snapshot published", ms: 13 },
        { hop: "first proxy pushed", ms: 13.25 },
        { hop: "last proxy pushed", ms: 13.5 },
        { hop: "last proxy ACKed", ms: 20 },
      ],
      proxies: { pushed: 2, acked: 2 },
      slowestProxy: { proxyId: "p-slow", pushedMs: 13.5, ackedMs: 20 },
    });
    expect(traced.trace.revision).toBe(revision);
    sock.close();
  });

  it("keeps the trace of the latest revision only, and ignores reports of an update no resource points at", async () => {
    const sock = await zoneWithBridge("tr-b", "bridge-tr-b");
    const first = (await call("PUT", "/v1/meshes/default/services/tr-again", service("tr-again"))).body.metadata as { revision: number };
    await sock.nextUpdate();
    const report = (revision: number, acked: number) =>
      sock.send({
        case: "trace",
        value: { revision: BigInt(revision), zoneMinusBridgeMs: 0, clockRttMs: 1, receivedMs: Date.now(), translatedMs: Date.now(), publishedMs: Date.now(), proxiesPushed: 1, proxiesAcked: acked, firstPushMs: Date.now(), lastPushMs: Date.now(), lastAckMs: acked ? Date.now() : 0, slowestProxy: "p", slowestPushedMs: Date.now(), slowestAckedMs: acked ? Date.now() : 0 },
      });
    report(first.revision, 0);
    const path = "/v1/meshes/default/services/tr-again/status";
    const pending = await statusUntil(path, (s) => s.trace.zones.find((z) => z.zone === "tr-b")?.bridges.length === 1);
    const pendingBridge = pending.trace.zones.find((z) => z.zone === "tr-b")!.bridges[0]!;
    // Pushed, not ACKed: the last hop is still open, and the slowest proxy has no ACK time.
    expect(pendingBridge.hops.at(-1)).toEqual({ hop: "last proxy ACKed", ms: null });
    expect(pendingBridge.slowestProxy?.ackedMs).toBeNull();

    const second = (await call("PUT", "/v1/meshes/default/services/tr-again", service("tr-again", 50052))).body.metadata as { revision: number };
    await sock.nextUpdate();
    const replaced = await statusUntil(path, (s) => s.revision === second.revision && s.trace.zones.some((z) => z.zone === "tr-b"));
    expect(replaced.trace.zones.find((z) => z.zone === "tr-b")).toMatchObject({ updateRevision: second.revision, bridges: [] });
    // A late report of the first update is not kept: nothing points at it now.
    report(first.revision, 1);
    report(second.revision, 1);
    const done = await statusUntil(path, (s) => s.trace.zones.find((z) => z.zone === "tr-b")?.bridges.length === 1);
    expect(done.trace.zones.find((z) => z.zone === "tr-b")!.bridges[0]!.proxies).toEqual({ pushed: 1, acked: 1 });
    const rows = await env.ZONES.get(env.ZONES.idFromName("tr-b")).revisionTrace("Service/default/tr-again");
    expect(rows?.updateRevision).toBe(second.revision);
    sock.close();
  });
});
