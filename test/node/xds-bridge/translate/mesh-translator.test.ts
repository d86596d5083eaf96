import { clone, create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import type { Resource, ResourceOf } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { ClusterSchema } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ApiListenerSchema } from "../../../../gen/envoy/config/listener/v3/api_listener_pb.js";
import { HttpConnectionManagerSchema } from "../../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import {
  MeshView,
  attachedRoutes,
  checkConsistency,
  clusterName,
  listenerName,
  orderedRuleMatches,
  resolveBackends,
  routeConfigName,
  translateMesh,
} from "../../../../src/xds-bridge/translate/index.js";
import { httpRoute, service, workload } from "../../support/mesh-documents.js";

const MESH = "default";

function view(resources: Resource[]): MeshView {
  return MeshView.of(ZoneModel.of(resources), MESH);
}
const echo = service("echo", [{ port: 8080 }, { port: 9090 }]);
const other = service("other", [{ port: 7000 }, { port: 7001 }]);

describe("names", () => {
  it("follows the grpc-js-xds target and Istio cluster conventions", () => {
    expect(listenerName("echo")).toBe("echo");
    expect(listenerName("echo", 50051)).toBe("echo:50051");
    expect(routeConfigName("echo", 50051)).toBe("echo:50051");
    expect(clusterName("echo", 50051, "payments")).toBe("outbound|50051||echo.payments");
  });
});

describe("orderedRuleMatches", () => {
  const label = (r: ReturnType<typeof orderedRuleMatches>[number]) => `${r.route.metadata.name}/${r.ruleIndex}/${r.matchIndex ?? "-"}`;

  it("puts exact before prefix, longer before shorter, more headers before fewer", () => {
    const r = httpRoute("r", {
      parentRefs: [{ name: "echo" }],
      rules: [
        { matches: [{ path: { type: "PathPrefix", value: "/a" } }], backendRefs: [{ name: "echo" }] },
        { matches: [{ path: { type: "PathPrefix", value: "/a/b" } }], backendRefs: [{ name: "echo" }] },
        {
          matches: [{ path: { type: "PathPrefix", value: "/a" }, headers: [{ type: "Exact", name: "x", value: "1" }] }],
          backendRefs: [{ name: "echo" }],
        },
        { matches: [{ path: { type: "Exact", value: "/a" } }], backendRefs: [{ name: "echo" }] },
        { backendRefs: [{ name: "echo" }] },
      ],
    });
    expect(orderedRuleMatches([r]).map(label)).toEqual(["r/3/0", "r/1/0", "r/2/0", "r/0/0", "r/4/-"]);
  });

  it("breaks ties by route name, then rule index, then match index", () => {
    const same = { path: { type: "PathPrefix" as const, value: "/x" } };
    const b = httpRoute("b", {
      parentRefs: [{ name: "echo" }],
      rules: [
        { matches: [same, same], backendRefs: [{ name: "echo" }] },
        { matches: [same], backendRefs: [{ name: "echo" }] },
      ],
    });
    const a = httpRoute("a", { parentRefs: [{ name: "echo" }], rules: [{ matches: [same], backendRefs: [{ name: "echo" }] }] });
    expect(orderedRuleMatches([b, a]).map(label)).toEqual(["a/0/0", "b/0/0", "b/0/1", "b/1/0"]);
  });

  it("treats a match without a path as PathPrefix /", () => {
    const r = httpRoute("r", {
      parentRefs: [{ name: "echo" }],
      rules: [
        { matches: [{ headers: [{ type: "Exact", name: "x", value: "1" }] }], backendRefs: [{ name: "echo" }] },
        { matches: [{ path: { type: "PathPrefix", value: "/ab" } }], backendRefs: [{ name: "echo" }] },
      ],
    });
    expect(orderedRuleMatches([r]).map(label)).toEqual(["r/1/0", "r/0/0"]);
  });
});

describe("attachedRoutes", () => {
  it("attaches by service name and, when given, port", () => {
    const any = httpRoute("any", { parentRefs: [{ name: "echo" }], rules: [{ backendRefs: [{ name: "echo" }] }] });
    const p9090 = httpRoute("p9090", { parentRefs: [{ kind: "Service", name: "echo", port: 9090 }], rules: [{ backendRefs: [{ name: "echo" }] }] });
    const elsewhere = httpRoute("elsewhere", { parentRefs: [{ name: "other" }], rules: [{ backendRefs: [{ name: "echo" }] }] });
    const v = view([echo, other, any, p9090, elsewhere]);
    expect(attachedRoutes(v, echo, 8080).map((r) => r.metadata.name)).toEqual(["any"]);
    expect(attachedRoutes(v, echo, 9090).map((r) => r.metadata.name)).toEqual(["any", "p9090"]);
  });

  it("emits a route once even when two parentRefs name the same port", () => {
    const twice = httpRoute("twice", {
      parentRefs: [{ name: "echo" }, { name: "echo", port: 8080 }],
      rules: [{ backendRefs: [{ name: "echo" }] }],
    });
    const rc = translateMesh(ZoneModel.of([echo, twice]), MESH).routes.find((r) => r.name === "echo:8080");
    expect(rc?.virtualHosts[0]?.routes.map((r) => r.name)).toEqual(["twice.rules[0]"]);
  });
});

describe("resolveBackends", () => {
  const v = view([echo, other]);

  it("defaults the port to the parent's port for the parent, else the backend's first port", () => {
    const rule = { backendRefs: [{ name: "echo" }, { name: "other" }] };
    expect(resolveBackends(v, echo, 9090, rule)).toEqual([
      { cluster: "outbound|9090||echo.default", weight: 1 },
      { cluster: "outbound|7000||other.default", weight: 1 },
    ]);
  });

  it("merges refs to the same cluster and drops missing services, missing ports and weight 0", () => {
    const rule = {
      backendRefs: [
        { name: "other", port: 7001, weight: 2 },
        { name: "echo", weight: 0 },
        { name: "nope" },
        { name: "other", port: 1234 },
        { name: "other", port: 7001, weight: 3 },
      ],
    };
    expect(resolveBackends(v, echo, 8080, rule)).toEqual([{ cluster: "outbound|7001||other.default", weight: 5 }]);
  });
});

describe("load assignments", () => {
  const single = service("one", [{ port: 80 }]);
  const w = (name: string, address: string, zone: string, health?: "unhealthy"): ResourceOf<"Workload"> =>
    workload(name, { service: "one", address, port: 8080, zone, ...(health ? { health } : {}) });

  it("weighs each zone by its healthy endpoints, at least 1", () => {
    const res = translateMesh(
      ZoneModel.of([single, w("a1", "10.0.0.1", "a"), w("a2", "10.0.0.2", "a"), w("a3", "10.0.0.3", "a", "unhealthy"), w("b1", "10.0.1.1", "b", "unhealthy")]),
      MESH,
    );
    const groups = res.endpoints[0]?.endpoints ?? [];
    expect(groups.map((g) => [g.locality?.zone, g.loadBalancingWeight, g.lbEndpoints.length])).toEqual([
      ["a", 2, 3],
      ["b", 1, 1],
    ]);
  });

  it("keeps one endpoint per address and port (grpc-js NACKs duplicates)", () => {
    const res = translateMesh(ZoneModel.of([single, w("x", "10.0.0.1", "a"), w("y", "10.0.0.1", "b")]), MESH);
    const groups = res.endpoints[0]?.endpoints ?? [];
    expect(groups.map((g) => g.locality?.zone)).toEqual(["a"]);
  });
});

describe("translateMesh", () => {
  it("does not modify the model", () => {
    const model = ZoneModel.of([echo, workload("e1", { service: "echo", address: "10.0.0.1", port: 8080, zone: "a" })]);
    const before = JSON.stringify([...model.byKey.entries()]);
    translateMesh(model, MESH);
    expect(JSON.stringify([...model.byKey.entries()])).toBe(before);
  });

  it("returns nothing for a mesh without resources", () => {
    expect(translateMesh(ZoneModel.of([echo]), "empty")).toEqual({ listeners: [], routes: [], clusters: [], endpoints: [] });
  });
});

describe("checkConsistency", () => {
  const good = () => translateMesh(ZoneModel.of([echo, other]), MESH);

  it("finds nothing wrong with translated output", () => {
    expect(checkConsistency(good())).toEqual([]);
  });

  it("reports a listener whose route configuration is missing", () => {
    const res = good();
    res.routes = res.routes.filter((r) => r.name !== "echo:8080");
    expect(checkConsistency(res)).toEqual([
      'listener "echo": route configuration "echo:8080" does not exist',
      'listener "echo:8080": route configuration "echo:8080" does not exist',
    ]);
  });

  it("reports a route to a missing cluster, also inside weighted_clusters", () => {
    const split = httpRoute("split", {
      parentRefs: [{ name: "echo", port: 8080 }],
      rules: [{ backendRefs: [{ name: "echo" }, { name: "other" }] }],
    });
    const res = translateMesh(ZoneModel.of([echo, other, split]), MESH);
    res.clusters = res.clusters.filter((c) => c.name !== "outbound|7000||other.default");
    expect(checkConsistency(res)).toEqual([
      'route configuration "echo:8080" route "split.rules[0]": cluster "outbound|7000||other.default" does not exist',
      'route configuration "other:7000" route "default": cluster "outbound|7000||other.default" does not exist',
    ]);
  });

  it("reports an EDS cluster without a load assignment, and duplicates", () => {
    const res = good();
    res.endpoints = res.endpoints.filter((e) => e.clusterName !== "outbound|9090||echo.default");
    const dup = res.clusters.find((c) => c.name === "outbound|8080||echo.default")!;
    res.clusters.push(clone(ClusterSchema, dup));
    expect(checkConsistency(res)).toEqual([
      'cluster "outbound|8080||echo.default" appears more than once',
      'cluster "outbound|9090||echo.default": cluster load assignment "outbound|9090||echo.default" does not exist',
    ]);
  });

  it("reports a listener whose last HTTP filter is not the router", () => {
    const res = good();
    const listener = res.listeners[0]!;
    listener.apiListener = create(ApiListenerSchema, {
      apiListener: anyPack(
        HttpConnectionManagerSchema,
        create(HttpConnectionManagerSchema, {
          routeSpecifier: { case: "rds", value: { routeConfigName: "echo:8080" } },
          httpFilters: [{ name: "not-a-router" }],
        }),
      ),
    });
    expect(checkConsistency(res)).toEqual([`listener "${listener.name}": the last HTTP filter is not the router`]);
  });
});

describe("identity of proxyless clients", () => {
  it("never carries Secrets, even in a strict mesh: proxyless clients read their identity from files, and their xDS channel is plaintext", () => {
    const meshDoc = { kind: "Mesh", metadata: { name: MESH }, spec: { mtls: { mode: "strict" } } } as Resource;
    const res = translateMesh(ZoneModel.of([meshDoc, service("one", [{ port: 80 }]), workload("one-1", { service: "one", address: "10.0.0.1", port: 8080, zone: "a" })]), MESH);
    // The mesh is read as strict: the cluster carries its UpstreamTlsContext (file_watcher provider), and still no Secret.
    expect(res.clusters[0]?.transportSocket?.name).toBe("envoy.transport_sockets.tls");
    expect(res.secrets ?? []).toEqual([]);
  });
});
