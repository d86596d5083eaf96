import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { NodeSchema } from "../../../../gen/envoy/config/core/v3/base_pb.js";
import { ProxyTracker } from "../../../../src/xds-bridge/xds/proxy-tracker.js";

const proxy = { id: "p1", mesh: "default", streamId: 1, node: create(NodeSchema, { id: "p1" }) };
const T = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

describe("ProxyTracker: current without a push", () => {
  it("reports a proxy current at a newer version once it ACKed what it was sent", () => {
    const t = new ProxyTracker(() => 5);
    t.onStreamOpen(proxy);
    t.onResponse(proxy, T, "3.0.0");
    t.onAck(proxy, T, "3.0.0");
    t.drainChanges();
    t.onCurrent(proxy, T, "7.0.0");
    expect(t.drainChanges().statuses).toEqual([{ proxyId: "p1", mesh: "default", typeUrl: T, state: "ACK", version: "7.0.0", errorDetail: "", atMs: 5 }]);
  });

  it("waits for the pending ACK, then reports the newest version", () => {
    const t = new ProxyTracker(() => 5);
    t.onStreamOpen(proxy);
    t.onResponse(proxy, T, "3.0.0");
    t.onAck(proxy, T, "3.0.0");
    t.onResponse(proxy, T, "4.0.0");
    t.drainChanges();
    t.onCurrent(proxy, T, "9.1.0");
    expect(t.drainChanges().statuses).toEqual([]);
    t.onAck(proxy, T, "4.0.0");
    expect(t.drainChanges().statuses.map((s) => s.version)).toEqual(["9.1.0"]);
  });

  it("does not make a NACKing proxy look current", () => {
    const t = new ProxyTracker(() => 5);
    t.onStreamOpen(proxy);
    t.onResponse(proxy, T, "3.0.0");
    t.onNack(proxy, T, "", "3.0.0", "bad cluster");
    t.drainChanges();
    t.onCurrent(proxy, T, "4.0.0");
    expect(t.drainChanges().statuses).toEqual([]);
  });
});
