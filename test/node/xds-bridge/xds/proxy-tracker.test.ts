import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { NodeSchema } from "../../../../gen/envoy/config/core/v3/base_pb.js";
import type { ProxyInfo } from "../../../../src/xds-bridge/xds/proxy-callbacks.js";
import { proxyInfoOf } from "../../../../src/xds-bridge/xds/node-hash.js";
import { ProxyTracker } from "../../../../src/xds-bridge/xds/proxy-tracker.js";
import { TYPE_URL } from "../../../../src/xds-bridge/xds-resources.js";

const proxy = (id: string, streamId: number, mesh = "default"): ProxyInfo => ({
  id,
  mesh,
  streamId,
  node: create(NodeSchema, { id, metadata: { mesh } }),
});

function clockedTracker(): { tracker: ProxyTracker; tick: () => void } {
  let now = 1000;
  return { tracker: new ProxyTracker(() => now), tick: () => (now += 1000) };
}

describe("ProxyTracker", () => {
  it("keeps the last ACKed version and the last NACK per proxy and type", () => {
    const { tracker, tick } = clockedTracker();
    const p = proxy("p1", 1);
    tracker.onStreamOpen(p);
    tracker.onAck(p, TYPE_URL.cluster, "v1");
    tick();
    tracker.onNack(p, TYPE_URL.cluster, "v1", "v2", "bad lb_policy");

    const cds = tracker.proxyStatus("p1")?.types[TYPE_URL.cluster];
    expect(cds).toEqual({
      state: "NACK",
      ackedVersion: "v1",
      ackedAtMs: 1000,
      lastNack: { version: "v2", errorDetail: "bad lb_policy", atMs: 2000 },
    });
    tick();
    tracker.onAck(p, TYPE_URL.cluster, "v3");
    expect(tracker.proxyStatus("p1")?.types[TYPE_URL.cluster]).toMatchObject({
      state: "ACK",
      ackedVersion: "v3",
      ackedAtMs: 3000,
      lastNack: { version: "v2" },
    });
  });

  it("reports a sidecar's workload, from what it is served, and none for a proxyless client", () => {
    const { tracker } = clockedTracker();
    const sidecar = proxyInfoOf(create(NodeSchema, { id: "web-1.sidecar", metadata: { proxyType: "sidecar", workload: "web-1" } }), 1);
    const grpc = proxyInfoOf(create(NodeSchema, { id: "grpc-1", metadata: { workload: "web-1" } }), 2);
    for (const p of [sidecar, grpc]) {
      tracker.onStreamOpen(p);
      tracker.onAck(p, TYPE_URL.cluster, "v1");
    }
    const byId = new Map(tracker.drainChanges().statuses.map((s) => [s.proxyId, s]));
    expect(byId.get("web-1.sidecar")?.workload).toBe("web-1");
    // A workload in metadata without proxyType "sidecar" is served the mesh's proxyless config.
    expect(byId.get("grpc-1")).not.toHaveProperty("workload");
  });

  it("drains only what changed since the last drain, latest record per proxy and type", () => {
    const { tracker, tick } = clockedTracker();
    const p = proxy("p1", 1, "payments");
    tracker.onStreamOpen(p);
    tracker.onAck(p, TYPE_URL.listener, "v1");
    tracker.onAck(p, TYPE_URL.cluster, "v1");
    tick();
    tracker.onNack(p, TYPE_URL.cluster, "v1", "v2", "nope");

    const first = tracker.drainChanges();
    expect(first.disconnected).toEqual([]);
    expect(first.statuses).toEqual([
      { proxyId: "p1", mesh: "payments", typeUrl: TYPE_URL.listener, state: "ACK", version: "v1", errorDetail: "", atMs: 1000 },
      { proxyId: "p1", mesh: "payments", typeUrl: TYPE_URL.cluster, state: "NACK", version: "v2", errorDetail: "nope", atMs: 2000 },
    ]);
    // A repeated ACK of the same version (a subscription change) is not news.
    tracker.onAck(p, TYPE_URL.listener, "v1");
    expect(tracker.drainChanges()).toEqual({ statuses: [], disconnected: [] });
  });

  it("reports a proxy disconnected once its last stream closes, not while a newer one is open", () => {
    const { tracker } = clockedTracker();
    const old = proxy("p1", 1);
    const fresh = proxy("p1", 2);
    tracker.onStreamOpen(old);
    tracker.onStreamOpen(fresh);
    tracker.onStreamClosed(old);
    expect(tracker.drainChanges().disconnected).toEqual([]);
    expect(tracker.snapshotStatus().map((s) => s.streamId)).toEqual([2]);

    tracker.onAck(fresh, TYPE_URL.listener, "v1");
    tracker.onStreamClosed(fresh);
    // Its pending records are moot once it is gone.
    expect(tracker.drainChanges()).toEqual({ statuses: [], disconnected: ["p1"] });
    expect(tracker.snapshotStatus()).toEqual([]);
    expect(tracker.proxyStatus("p1")).toBeUndefined();
  });

  it("forgets an unreported disconnect when the proxy comes back, and ignores events of closed streams", () => {
    const { tracker } = clockedTracker();
    tracker.onStreamOpen(proxy("p1", 1));
    tracker.onStreamClosed(proxy("p1", 1));
    tracker.onStreamOpen(proxy("p1", 2));
    tracker.onAck(proxy("p1", 1), TYPE_URL.listener, "late");
    expect(tracker.drainChanges()).toEqual({ statuses: [], disconnected: [] });
    expect(tracker.snapshotStatus()).toMatchObject([{ proxyId: "p1", streamId: 2, types: {} }]);
  });

  it("lists every connected proxy, sorted, as copies", () => {
    const { tracker } = clockedTracker();
    tracker.onStreamOpen(proxy("b", 1));
    tracker.onStreamOpen(proxy("a", 2, "payments"));
    tracker.onAck(proxy("a", 2, "payments"), TYPE_URL.route, "v9");
    const status = tracker.snapshotStatus();
    expect(status.map((s) => [s.proxyId, s.mesh])).toEqual([
      ["a", "payments"],
      ["b", "default"],
    ]);
    const route = status[0]?.types[TYPE_URL.route];
    if (route) route.ackedVersion = "mutated";
    expect(tracker.proxyStatus("a")?.types[TYPE_URL.route]?.ackedVersion).toBe("v9");
  });
});
