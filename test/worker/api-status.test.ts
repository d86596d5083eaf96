import { describe, expect, it } from "vitest";
import { AckState } from "../../src/contract/zone-protocol/zone_pb.js";
import { call, service } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

const TYPES = ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"].map((t) => `type.googleapis.com/envoy.x.${t}`);

async function zoneWithBridge(zone: string): Promise<ZoneSocket> {
  const sock = await ZoneSocket.open(zone, await zoneToken(zone));
  sock.hello(zone, 0);
  await sock.next();
  await sock.nextUpdate();
  return sock;
}

function report(sock: ZoneSocket, proxyId: string, revision: number, nack?: { type: string; error: string }) {
  sock.send({
    case: "status",
    value: {
      proxies: TYPES.map((typeUrl) => ({
        proxyId,
        mesh: "default",
        typeUrl,
        state: nack && typeUrl.endsWith(nack.type) ? AckState.NACK : AckState.ACK,
        revision: BigInt(revision),
        errorDetail: nack && typeUrl.endsWith(nack.type) ? nack.error : "",
        atMs: BigInt(Date.now()),
      })),
    },
  });
}

async function statusUntil(path: string, pred: (b: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const res = await call("GET", path);
    if (pred(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} never matched`);
}

describe("rollout status", () => {
  it("shows per zone and per proxy whether a resource's latest revision arrived", async () => {
    const sock = await zoneWithBridge("st-a");
    const put = await call("PUT", "/v1/meshes/default/services/st-echo", service("st-echo"));
    const rev = (put.body.metadata as { revision: number }).revision;
    await sock.nextUpdate();
    report(sock, "p-old", rev - 1);
    report(sock, "p-new", rev);
    const body = await statusUntil("/v1/meshes/default/services/st-echo/status", (b) => ((b.proxies as unknown[]) ?? []).length >= 2);
    expect(body).toMatchObject({ kind: "Service", name: "st-echo", revision: rev, deleted: false });
    expect(body.zones).toContainEqual({ zone: "st-a", appliedRevision: rev, applied: true });
    const proxies = body.proxies as { proxyId: string; state: string; writeToAckMs?: number }[];
    expect(proxies.find((p) => p.proxyId === "p-new")).toMatchObject({ state: "ACK", zone: "st-a" });
    expect(proxies.find((p) => p.proxyId === "p-old")).toMatchObject({ state: "PENDING" });
    expect(body.done).toBe(false);

    report(sock, "p-old", rev, { type: "RouteConfiguration", error: "invalid regex" });
    const nacked = await statusUntil("/v1/meshes/default/services/st-echo/status", (b) =>
      (b.proxies as { proxyId: string; state: string }[]).some((p) => p.proxyId === "p-old" && p.state === "NACK"),
    );
    expect((nacked.proxies as { proxyId: string; errorDetail?: string }[]).find((p) => p.proxyId === "p-old")?.errorDetail).toBe("invalid regex");
    expect(nacked.summary).toMatchObject({ acked: 1, nacked: 1, pending: 0 });

    const list = await call("GET", "/v1/meshes/default/proxies");
    const old = (list.body.items as { proxyId: string; types: Record<string, { state: string; errorDetail?: string }> }[]).find((p) => p.proxyId === "p-old");
    expect(old?.types.RouteConfiguration).toEqual({ state: "NACKED", revision: rev, errorDetail: "invalid regex" });
    expect(old?.types.Listener?.state).toBe("SYNCED");
    sock.close();
  });

  it("answers 404 for a resource that never existed", async () => {
    const res = await call("GET", "/v1/meshes/default/services/never/status");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });
});
