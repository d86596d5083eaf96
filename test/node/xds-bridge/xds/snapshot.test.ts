import { createHash } from "node:crypto";
import { create, fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Cluster_LbPolicy, ClusterSchema } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { NodeSchema } from "../../../../gen/envoy/config/core/v3/base_pb.js";
import { meshOfNode } from "../../../../src/xds-bridge/xds/node-hash.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { SnapshotCache } from "../../../../src/xds-bridge/xds/snapshot-cache.js";
import { SotwSubscription } from "../../../../src/xds-bridge/xds/sotw-subscription.js";
import { TYPE_URL, type XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { apiListener, echoXdsResources, edsCluster, loadAssignment, routeTo } from "../../support/echo-xds-resources.js";

const base = (): XdsResources => echoXdsResources({ backends: [{ port: 1111 }] });

describe("Snapshot", () => {
  it("packs each resource into an Any of its type, named and hashed by its encoded bytes", () => {
    const snap = new Snapshot(base(), "v1");
    expect(snap.version).toBe("v1");
    const expectations: [string, string][] = [
      [TYPE_URL.listener, "echo"],
      [TYPE_URL.route, "echo"],
      [TYPE_URL.cluster, "echo-c"],
      [TYPE_URL.endpoint, "echo-c"],
    ];
    for (const [typeUrl, name] of expectations) {
      const resources = snap.resources(typeUrl);
      expect([...resources.keys()]).toEqual([name]);
      const r = resources.get(name);
      expect(r?.any.typeUrl).toBe(typeUrl);
      expect(r?.hash).toBe(createHash("sha1").update(r?.any.value ?? new Uint8Array()).digest("hex"));
    }
    const cluster = fromBinary(ClusterSchema, snap.resources(TYPE_URL.cluster).get("echo-c")?.any.value ?? new Uint8Array());
    expect(cluster.edsClusterConfig?.serviceName).toBe("echo-c");
  });

  it("encodes once: the same Any objects every time, unaffected by later edits of the input", () => {
    const input = base();
    const snap = new Snapshot(input, "v1");
    const first = snap.resources(TYPE_URL.cluster).get("echo-c");
    const bytesBefore = Uint8Array.from(first?.any.value ?? []);
    (input.clusters[0] ?? edsCluster("x")).lbPolicy = Cluster_LbPolicy.LEAST_REQUEST;

    const again = snap.resources(TYPE_URL.cluster).get("echo-c");
    const selected = snap.select(TYPE_URL.cluster, SotwSubscription.of(["echo-c"]))[0];
    expect(again).toBe(first);
    expect(selected?.any).toBe(first?.any);
    expect(Uint8Array.from(again?.any.value ?? [])).toEqual(bytesBefore);
  });

  it("gives equal content equal hashes across snapshots and changed content a new hash", () => {
    const a = new Snapshot(base(), "v1");
    const b = new Snapshot(base(), "v2");
    const changed = base();
    changed.endpoints = [loadAssignment("echo-c", [{ port: 2222 }])];
    const c = new Snapshot(changed, "v3");
    const hash = (s: Snapshot, t: string, n: string): string | undefined => s.resources(t).get(n)?.hash;
    expect(hash(b, TYPE_URL.listener, "echo")).toBe(hash(a, TYPE_URL.listener, "echo"));
    expect(hash(b, TYPE_URL.endpoint, "echo-c")).toBe(hash(a, TYPE_URL.endpoint, "echo-c"));
    expect(hash(c, TYPE_URL.endpoint, "echo-c")).not.toBe(hash(a, TYPE_URL.endpoint, "echo-c"));
    expect(hash(c, TYPE_URL.cluster, "echo-c")).toBe(hash(a, TYPE_URL.cluster, "echo-c"));
  });

  it("keeps resources sorted by name and selects by subscription", () => {
    const resources = base();
    resources.routes = [routeTo("zeta", "c"), routeTo("alpha", "c"), routeTo("mid", "c")];
    const snap = new Snapshot(resources, "v1");
    expect([...snap.resources(TYPE_URL.route).keys()]).toEqual(["alpha", "mid", "zeta"]);
    const names = (s: SotwSubscription): string[] => snap.select(TYPE_URL.route, s).map((r) => r.name);
    expect(names(SotwSubscription.of(["*"]))).toEqual(["alpha", "mid", "zeta"]);
    expect(names(SotwSubscription.of(["zeta", "missing", "alpha"]))).toEqual(["alpha", "zeta"]);
    expect(names(SotwSubscription.of([]))).toEqual([]);
    expect(snap.resources("type.googleapis.com/some.Unknown").size).toBe(0);
  });

  it("refuses two resources of one type with the same name", () => {
    const resources = base();
    resources.listeners.push(apiListener("echo", "other-route"));
    expect(() => new Snapshot(resources, "v1")).toThrow(/duplicate .*Listener named "echo"/);
  });
});

describe("SotwSubscription", () => {
  it("treats an empty first request as wildcard for LDS/CDS only", () => {
    expect(SotwSubscription.fromRequest(undefined, [], true).wildcard).toBe(true);
    expect(SotwSubscription.fromRequest(undefined, [], false).wildcard).toBe(false);
    expect(SotwSubscription.fromRequest(undefined, [], false).names.size).toBe(0);
  });

  it("keeps a legacy wildcard on later empty lists, but an empty list after names means none", () => {
    const legacy = SotwSubscription.fromRequest(undefined, [], true);
    expect(SotwSubscription.fromRequest(legacy, [], true).wildcard).toBe(true);
    const named = SotwSubscription.fromRequest(legacy, ["a"], true);
    expect(named.wildcard).toBe(false);
    expect(SotwSubscription.fromRequest(named, [], true).wildcard).toBe(false);
  });

  it("understands an explicit '*' next to names, and compares content", () => {
    const s = SotwSubscription.of(["*", "a"]);
    expect(s.wildcard).toBe(true);
    expect([...s.names]).toEqual(["a"]);
    expect(SotwSubscription.of(["b", "a"]).equals(SotwSubscription.of(["a", "b"]))).toBe(true);
    expect(SotwSubscription.of(["a"]).equals(SotwSubscription.of(["a", "b"]))).toBe(false);
    expect(SotwSubscription.fromRequest(undefined, [], true).equals(SotwSubscription.of(["*"]))).toBe(true);
  });
});

describe("SnapshotCache", () => {
  it("stores one snapshot per mesh", () => {
    const cache = new SnapshotCache();
    expect(cache.getSnapshot("default")).toBeUndefined();
    const a = new Snapshot(base(), "a1");
    const b = new Snapshot(base(), "b1");
    cache.setSnapshot("default", a);
    cache.setSnapshot("payments", b);
    expect(cache.getSnapshot("default")).toBe(a);
    expect(cache.getSnapshot("payments")).toBe(b);
    expect(cache.meshes()).toEqual(["default", "payments"]);
  });

  it("notifies only the watchers of the mesh that changed, until they unsubscribe", () => {
    const cache = new SnapshotCache();
    const seen: string[] = [];
    const stopDefault = cache.watch("default", (s) => seen.push(`default:${s.version}`));
    cache.watch("payments", (s) => seen.push(`payments:${s.version}`));
    cache.setSnapshot("payments", new Snapshot(base(), "p1"));
    cache.setSnapshot("default", new Snapshot(base(), "d1"));
    stopDefault();
    stopDefault();
    cache.setSnapshot("default", new Snapshot(base(), "d2"));
    expect(seen).toEqual(["payments:p1", "default:d1"]);
    expect(cache.watcherCount("default")).toBe(0);
    expect(cache.watcherCount("payments")).toBe(1);
  });

  it("lets a watcher unsubscribe while being notified, and one failing watcher not starve the others", () => {
    const cache = new SnapshotCache();
    const seen: string[] = [];
    const stop = cache.watch("m", () => {
      seen.push("first");
      stop();
    });
    cache.watch("m", () => {
      throw new Error("boom");
    });
    cache.watch("m", () => seen.push("third"));
    expect(() => cache.setSnapshot("m", new Snapshot(base(), "1"))).toThrow(AggregateError);
    expect(seen).toEqual(["first", "third"]);
    expect(cache.watcherCount("m")).toBe(2);
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
