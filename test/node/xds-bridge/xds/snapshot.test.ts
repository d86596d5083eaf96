import { createHash } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Cluster_LbPolicy, ClusterSchema } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
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
