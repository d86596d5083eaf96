import { toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { validateResource } from "../../../../src/contract/resource-schema.js";
import type { Resource } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { ClusterSchema } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { ListenerSchema } from "../../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../../gen/envoy/config/route/v3/route_pb.js";
import { translateMesh, translateMeshIncremental, type MeshMemo } from "../../../../src/xds-bridge/translate/index.js";
import type { XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";

const svc = (name: string, port = 8080) => ({ kind: "Service", metadata: { name }, spec: { ports: [{ port }] } });
const wl = (name: string, service: string, ip: string, zone = "a", health = "healthy") => ({
  kind: "Workload",
  metadata: { name },
  spec: { service, address: ip, port: 9000, zone, health },
});
const route = (name: string, parent: string, backends: [string, number][]) => ({
  kind: "HTTPRoute",
  metadata: { name },
  spec: { parentRefs: [{ name: parent }], rules: [{ backendRefs: backends.map(([n, w]) => ({ name: n, weight: w })) }] },
});

function encode(r: XdsResources): string[] {
  return [
    ...r.listeners.map((m) => Buffer.from(toBinary(ListenerSchema, m)).toString("hex")),
    ...r.routes.map((m) => Buffer.from(toBinary(RouteConfigurationSchema, m)).toString("hex")),
    ...r.clusters.map((m) => Buffer.from(toBinary(ClusterSchema, m)).toString("hex")),
    ...r.endpoints.map((m) => Buffer.from(toBinary(ClusterLoadAssignmentSchema, m)).toString("hex")),
  ];
}

describe("translateMeshIncremental", () => {
  it("equals a full translation after every kind of change, re-translating only what changed", () => {
    const docs = new Map<string, unknown>();
    const put = (d: { kind: string; metadata: { name: string } }) => docs.set(`${d.kind}/${d.metadata.name}`, d);
    for (let i = 0; i < 20; i++) {
      put(svc(`s${i}`));
      put(wl(`s${i}-w`, `s${i}`, `10.0.0.${i + 1}`));
    }
    put(route("r0", "s0", [["s1", 80], ["s2", 20]]));
    const model = () => ZoneModel.of([...docs.values()].map((d) => validateResource({ ...(d as object), metadata: { ...(d as { metadata: object }).metadata, mesh: "default" } }) as Resource));

    const steps: [string, () => void, number][] = [
      ["nothing", () => undefined, 0],
      ["a route's weights", () => put(route("r0", "s0", [["s1", 10], ["s2", 90]])), 1],
      ["a workload's health", () => put(wl("s5-w", "s5", "10.0.0.6", "a", "unhealthy")), 1],
      ["a backend's ports", () => put(svc("s1", 9090)), 2], // s1 itself and s0, whose route sends to s1
      ["a new service", () => put(svc("s20")), 1],
      ["a policy", () => put({ kind: "BackendPolicy", metadata: { name: "p" }, spec: { targetRef: { kind: "Service", name: "s3" }, locality: { mode: "any" } } } as never), 1],
      ["a removed service", () => docs.delete("Service/s19"), 0],
      ["a workload in another zone", () => put(wl("s4-w2", "s4", "10.1.0.1", "b")), 1],
    ];
    let memo: MeshMemo | undefined;
    let snapshot: Snapshot | undefined;
    for (const [what, change, expected] of steps) {
      change();
      const m = model();
      const full = translateMesh(m, "default", { localZone: "a" });
      const inc = translateMeshIncremental(m, "default", { localZone: "a" }, memo);
      expect(encode(inc.resources), what).toEqual(encode(full));
      if (memo) expect(inc.retranslated, what).toBe(expected);
      snapshot = new Snapshot(inc.resources, what, snapshot);
      memo = inc.memo;
    }
  });

  it("reuses the encoding of unchanged message objects in the next snapshot", () => {
    const m = ZoneModel.of([svc("a"), svc("b")].map((d) => validateResource({ ...d, metadata: { ...d.metadata, mesh: "default" } })));
    const first = translateMeshIncremental(m, "default", {}, undefined);
    const s1 = new Snapshot(first.resources, "1");
    m.put(validateResource({ ...svc("b", 9999), metadata: { name: "b", mesh: "default" } }), 2);
    const second = translateMeshIncremental(m, "default", {}, first.memo);
    const s2 = new Snapshot(second.resources, "2", s1);
    const cluster = (s: Snapshot, n: string) => s.resources("type.googleapis.com/envoy.config.cluster.v3.Cluster").get(n);
    expect(cluster(s2, "outbound|8080||a.default")).toBe(cluster(s1, "outbound|8080||a.default"));
    expect(cluster(s2, "outbound|9999||b.default")).toBeDefined();
  });
});
