import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AckState } from "../../src/contract/zone-protocol/zone_pb.js";
import type { ProxyRollout } from "../../src/contract/rollout.js";
import type { ProxyList, ZoneStatus } from "../../src/contract/zone-status.js";
import { call, service } from "./api-helpers.js";
import { connectedBridge } from "./connected-bridge.js";
import { ZoneSocket } from "./zone-socket.js";

const TYPES = ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"].map((t) => `type.googleapis.com/envoy.x.${t}`);
const MESH = "ca";

/** Every type of `proxyId` ACKed at `revision` (one NACKed with `nack`), the detailed way. */
function detailed(sock: ZoneSocket, proxyId: string, revision: number, atMs: number, nack?: string) {
  sock.send({
    case: "status",
    value: {
      proxies: TYPES.map((typeUrl, i) => ({
        proxyId,
        mesh: MESH,
        typeUrl,
        state: nack && i === 1 ? AckState.NACK : AckState.ACK,
        revision: BigInt(revision),
        errorDetail: nack && i === 1 ? nack : "",
        atMs: BigInt(atMs),
        workload: proxyId === "p1" ? "web-1" : "",
        service: "web",
      })),
    },
  });
}

function current(sock: ZoneSocket, revision: number, atMs: number, proxyIds: string[], allExcept: boolean) {
  sock.send({ case: "currentAt", value: { revision: BigInt(revision), mesh: MESH, atMs: BigInt(atMs), proxyIds, allExcept } });
}

/** Waits until the zone read everything sent before: its answer to a clock probe comes after. */
async function settled(sock: ZoneSocket): Promise<void> {
  sock.send({ case: "clockProbe", value: { bridgeSentMs: 1 } });
  for (;;) if ((await sock.next()).msg.case === "clockEcho") return;
}

const revisionOf = (res: { body: Record<string, unknown> }) => (res.body.metadata as { revision: number }).revision;

/** What each API says about the proxies of one zone, with what names the zone and bridge (and the zone's own clock) left out. */
async function answers(zone: string, revisions: number[]) {
  const status = await call("GET", `/v1/meshes/${MESH}/services/ca-svc/status`);
  const list = await call("GET", `/v1/meshes/${MESH}/proxies?all=true`);
  const stub = env.ZONES.get(env.ZONES.idFromName(zone));
  const zoneStatus: ZoneStatus = await stub.status();
  const strip = ({ zone: _z, bridgeId: _b, connectedAtMs: _c, ...rest }: Record<string, unknown>) => rest;
  return {
    rollout: (status.body.proxies as ProxyRollout[]).filter((p) => p.zone === zone).map((p) => strip({ ...p }) as Omit<ProxyRollout, "zone" | "bridgeId">),
    proxies: (list.body.items as ProxyList["items"]).filter((p) => p.zone === zone).map((p) => strip({ ...p })),
    rows: zoneStatus.proxies.filter((p) => p.mesh === MESH).map((p) => strip({ ...p })),
    propagation: await stub.propagation(MESH, revisions),
  };
}

describe("CurrentAt (one per-bridge report instead of one ProxyStatus per proxy and type)", () => {
  it("leaves rollout, proxies, zone status and propagation exactly as the ProxyStatus rows it stands for would", async () => {
    const [byRows, byCurrent] = await Promise.all([connectedBridge("ca-rows"), connectedBridge("ca-current")]);
    await call("PUT", `/v1/meshes/${MESH}`, { kind: "Mesh", metadata: { name: MESH }, spec: {} });
    const r1 = revisionOf(await call("PUT", `/v1/meshes/${MESH}/services/ca-svc`, service("ca-svc", 50051, MESH)));
    const t0 = Date.now() - 10_000;
    // Both bridges first report every proxy in full: a CurrentAt only ever follows that.
    for (const sock of [byRows, byCurrent]) {
      for (const p of ["p1", "p2", "p3"]) detailed(sock, p, r1, t0);
      detailed(sock, "p4", r1, t0, "bad route");
    }
    const r2 = revisionOf(await call("PUT", `/v1/meshes/${MESH}/services/ca-svc`, service("ca-svc", 50052, MESH)));

    // p1 and p2 run r2: in rows, or as "all of this bridge's proxies but p3 and p4".
    for (const p of ["p1", "p2"]) detailed(byRows, p, r2, t0 + 100);
    current(byCurrent, r2, t0 + 100, ["p3", "p4"], true);
    await Promise.all([settled(byRows), settled(byCurrent)]);
    const midway = await answers("ca-current", [r1, r2]);
    expect(midway).toEqual(await answers("ca-rows", [r1, r2]));
    expect(midway.rollout.map((p) => [p.proxyId, p.state])).toEqual([["p1", "ACK"], ["p2", "ACK"], ["p3", "PENDING"], ["p4", "PENDING"]]);

    // Then p3, named.
    detailed(byRows, "p3", r2, t0 + 250);
    current(byCurrent, r2, t0 + 250, ["p3"], false);
    await Promise.all([settled(byRows), settled(byCurrent)]);
    const after = await answers("ca-current", [r1, r2]);
    expect(after).toEqual(await answers("ca-rows", [r1, r2]));
    expect(after.rollout.filter((p) => p.state === "ACK")).toHaveLength(3);
    expect(after.propagation.find((r) => r.revision === r2)).toEqual({ revision: r2, proxies: 3, lastAckMs: t0 + 250 });
    expect(after.proxies.find((p) => p.proxyId === "p1")).toMatchObject({ kind: "sidecar", workload: "web-1" });
    byRows.close();
    byCurrent.close();
  });

  it("concerns only rows the same socket reported: a newer socket of the bridge, or a proxy reported gone, is left alone", async () => {
    const old = await connectedBridge("ca-epoch", "bridge-ca-epoch");
    const r = revisionOf(await call("PUT", `/v1/meshes/${MESH}/services/ca-epoch-svc`, service("ca-epoch-svc", 50051, MESH)));
    detailed(old, "e1", r - 1, 1_000);
    detailed(old, "e2", r - 1, 1_000);
    old.send({ case: "status", value: { proxies: [], disconnected: ["e2"] } });
    current(old, r, 2_000, [], true);
    await settled(old);
    const rows = async () => ((await env.ZONES.get(env.ZONES.idFromName("ca-epoch")).status()) as ZoneStatus).proxies;
    // e1 moved; e2, reported gone, did not.
    expect((await rows()).map((p) => [p.proxyId, p.connected, p.types.map((t) => t.revision)])).toEqual([
      ["e1", true, [r, r, r, r]],
      ["e2", false, [r - 1, r - 1, r - 1, r - 1]],
    ]);

    // The same bridge again on a new socket (the old one is replaced): e1's rows came on the old one.
    const fresh = await ZoneSocket.open("ca-epoch", old.token);
    fresh.hello("ca-epoch", 0, "", "bridge-ca-epoch");
    const welcome = await fresh.next();
    // What tells a bridge it may send CurrentAt at all.
    expect(welcome.msg.case === "welcome" && welcome.msg.value.features).toContain("current-at");
    current(fresh, r + 5, 3_000, [], true);
    await settled(fresh);
    expect((await rows()).find((p) => p.proxyId === "e1")?.types.map((t) => [t.revision, t.atMs])).toEqual(TYPES.map(() => [r, 2_000]));
    // Once the new socket reported e1 in full, a CurrentAt on it concerns e1 again.
    detailed(fresh, "e1", r, 3_500);
    current(fresh, r + 5, 4_000, ["e1"], false);
    await settled(fresh);
    expect((await rows()).find((p) => p.proxyId === "e1")?.types.map((t) => [t.revision, t.atMs])).toEqual(TYPES.map(() => [r + 5, 4_000]));
    fresh.close();
  });
});
