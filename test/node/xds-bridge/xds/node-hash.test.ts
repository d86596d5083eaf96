/**
 * The node -> snapshot key decision has one home
 * (src/xds-bridge/xds/node-hash.ts): the ADS streams watch the key it makes,
 * the publisher reads the mesh and workload back from that key.
 */
import { create, type JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { NodeSchema } from "../../../../gen/envoy/config/core/v3/base_pb.js";
import {
  meshOfNode,
  proxyInfoOf,
  sidecarWorkloadOf,
  snapshotKeyOf,
  snapshotKeyOfProxy,
  snapshotTargetOf,
  snapshotTargetOfKey,
} from "../../../../src/xds-bridge/xds/node-hash.js";

const node = (metadata?: JsonObject) => create(NodeSchema, { id: "p1", ...(metadata ? { metadata } : {}) });

describe("node hash", () => {
  it("serves a proxyless client its mesh's snapshot, under the mesh's name", () => {
    expect(snapshotTargetOf(node({ mesh: "payments" }))).toEqual({ mesh: "payments" });
    expect(snapshotTargetOf(node())).toEqual({ mesh: "default" });
    expect(proxyInfoOf(node({ mesh: "payments" }), 7)).toMatchObject({ id: "p1", mesh: "payments", streamId: 7, snapshotKey: "payments" });
  });

  it("serves an Envoy sidecar a snapshot of its own, keyed by mesh and workload", () => {
    const sidecar = node({ mesh: "payments", proxyType: "sidecar", workload: "web-1" });
    expect(sidecarWorkloadOf(sidecar)).toBe("web-1");
    expect(snapshotTargetOf(sidecar)).toEqual({ mesh: "payments", workload: "web-1" });
    expect(proxyInfoOf(sidecar, 1).snapshotKey).toBe("payments/sidecar/web-1");
  });

  it("needs both proxyType sidecar and a non-empty workload name to call a node a sidecar", () => {
    expect(sidecarWorkloadOf(node({ workload: "web-1" }))).toBeUndefined();
    expect(sidecarWorkloadOf(node({ proxyType: "sidecar" }))).toBeUndefined();
    expect(sidecarWorkloadOf(node({ proxyType: "sidecar", workload: "" }))).toBeUndefined();
    expect(sidecarWorkloadOf(node({ proxyType: "sidecar", workload: 3 }))).toBeUndefined();
    expect(sidecarWorkloadOf(node({ proxyType: "gateway", workload: "web-1" }))).toBeUndefined();
  });

  it("reads the mesh and workload back from any key it made", () => {
    const targets = [
      { mesh: "default" },
      { mesh: "default", workload: "web-1" },
      { mesh: "" },
      { mesh: "a/sidecar/b" },
      { mesh: "a/sidecar/b", workload: "c" },
      { mesh: "100%", workload: "x/sidecar/y" },
      { mesh: "%2F" },
    ];
    for (const t of targets) expect(snapshotTargetOfKey(snapshotKeyOf(t)), JSON.stringify(t)).toEqual(t);
    const keys = targets.map((t) => snapshotKeyOf(t));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("keeps a made-up mesh from spelling a sidecar's key", () => {
    const sidecar = snapshotKeyOf({ mesh: "a", workload: "b" });
    const impostor = proxyInfoOf(node({ mesh: "a/sidecar/b" }), 1);
    expect(impostor.snapshotKey).not.toBe(sidecar);
    expect(snapshotTargetOfKey(impostor.snapshotKey!)).toEqual({ mesh: "a/sidecar/b" });
  });

  it("serves a ProxyInfo made without a key its mesh's snapshot", () => {
    expect(snapshotKeyOfProxy({ id: "p", mesh: "payments", streamId: 1, node: node() })).toBe("payments");
    expect(snapshotKeyOfProxy(proxyInfoOf(node({ proxyType: "sidecar", workload: "w" }), 2))).toBe("default/sidecar/w");
  });
});

describe("meshOfNode", () => {
  it("reads metadata.mesh, defaulting to 'default'", () => {
    expect(meshOfNode(create(NodeSchema, { id: "p", metadata: { mesh: "payments" } }))).toBe("payments");
    expect(meshOfNode(create(NodeSchema, { id: "p" }))).toBe("default");
    expect(meshOfNode(create(NodeSchema, { id: "p", metadata: { mesh: 3 } }))).toBe("default");
    expect(meshOfNode(create(NodeSchema, { id: "p", metadata: { mesh: "" } }))).toBe("default");
  });
});
