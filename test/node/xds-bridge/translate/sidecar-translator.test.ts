import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import type { Resource } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { FilterSchema } from "../../../../gen/envoy/config/listener/v3/listener_components_pb.js";
import { RouteConfigurationSchema } from "../../../../gen/envoy/config/route/v3/route_pb.js";
import { RouterSchema } from "../../../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import { HttpConnectionManagerSchema } from "../../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { StringRulesSchema, KnownRegex } from "../../../../gen/validate/validate_pb.js";
import {
  VIRTUAL_OUTBOUND_LISTENER,
  checkConsistency,
  inboundClusterName,
  inboundListenerName,
  inboundRouteConfigName,
  outboundListenerName,
  serviceDomains,
  translateMesh,
  translateSidecar,
} from "../../../../src/xds-bridge/translate/index.js";
import { stringFindings } from "../../support/pgv/string-rules.js";
import { httpRoute, service, workload } from "../../support/mesh-documents.js";

const MESH = "default";

const echo = service("echo", [{ port: 8080 }]);
const echo1 = workload("echo-1", { service: "echo", address: "10.0.0.1", port: 8080, zone: "a" });
const echo2 = workload("echo-2", { service: "echo", address: "10.0.0.2", port: 8080, zone: "b" });
const sidecar = (resources: Resource[], name = "echo-1") => translateSidecar(ZoneModel.of(resources), MESH, name);
const names = (list: { name: string }[]) => list.map((x) => x.name);

describe("sidecar names", () => {
  it("never collide with proxyless names (two separators, service names have none)", () => {
    expect(inboundListenerName("10.0.0.1", 8080)).toBe("inbound:10.0.0.1:8080");
    expect(inboundRouteConfigName("echo", 8080)).toBe("inbound:echo:8080");
    expect(inboundClusterName("echo", 8080, "default")).toBe("inbound|8080||echo.default");
    expect(outboundListenerName(8080)).toBe("outbound:0.0.0.0:8080");
    expect(serviceDomains("echo", "default", 8080)).toEqual(["echo", "echo.default", "echo:8080", "echo.default:8080"]);
  });
});

describe("translateSidecar", () => {
  it("serves the same EDS clusters and assignments as proxyless, plus the inbound cluster", () => {
    const model = ZoneModel.of([echo, echo1, echo2]);
    const res = translateSidecar(model, MESH, "echo-1", { localZone: "a" });
    const proxyless = translateMesh(model, MESH, { localZone: "a" });
    expect(res.endpoints).toEqual(proxyless.endpoints);
    expect(res.clusters.filter((c) => c.name !== "inbound|8080||echo.default")).toEqual(proxyless.clusters);
    expect(names(res.clusters)).toEqual(["inbound|8080||echo.default", "outbound|8080||echo.default"]);
  });

  it("has no inbound side for a workload the mesh lacks, or one in another mesh", () => {
    const res = sidecar([echo, echo1], "ghost");
    expect(names(res.listeners)).toEqual(["outbound:0.0.0.0:8080", VIRTUAL_OUTBOUND_LISTENER]);
    expect(names(res.routes)).toEqual(["outbound:0.0.0.0:8080"]);
    expect(translateSidecar(ZoneModel.of([echo, echo1]), "other", "echo-1").listeners.map((l) => l.name)).toEqual([VIRTUAL_OUTBOUND_LISTENER]);
  });

  it("has no inbound side for a workload serving no port of its Service (or of a missing Service)", () => {
    const api = service("api", [{ port: 50051 }, { port: 50052, targetPort: 9090 }]);
    const stray = workload("api-4", { service: "api", address: "10.0.0.3", port: 7000, zone: "a" });
    const orphan = workload("orphan", { service: "nope", address: "10.0.0.4", port: 7000, zone: "a" });
    expect(names(sidecar([api, stray], "api-4").listeners)).not.toContain("inbound:10.0.0.3:7000");
    expect(names(sidecar([api, orphan], "orphan").listeners)).not.toContain("inbound:10.0.0.4:7000");
  });

  it("binds the inbound listener to the published address and sends to the app on loopback", () => {
    const res = sidecar([echo, echo1, echo2]);
    const inbound = res.listeners.find((l) => l.name === "inbound:10.0.0.1:8080");
    expect(inbound?.address?.address).toEqual({
      case: "socketAddress",
      value: expect.objectContaining({ address: "10.0.0.1", portSpecifier: { case: "portValue", value: 8080 } }),
    });
    expect(inbound?.bindToPort).toBeUndefined();
    const app = res.clusters.find((c) => c.name === "inbound|8080||echo.default");
    const endpoint = app?.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
    expect(endpoint?.case === "endpoint" ? endpoint.value.address?.address.value : undefined).toEqual(
      expect.objectContaining({ address: "127.0.0.1", portSpecifier: { case: "portValue", value: 8080 } }),
    );
  });

  it("has one unbound outbound listener per distinct port, one virtual host per service on it", () => {
    const other = service("other", [{ port: 8080 }, { port: 9090 }]);
    const res = sidecar([echo, other, echo1]);
    const outbound = res.listeners.filter((l) => l.name.startsWith("outbound:0.0.0.0:"));
    expect(names(outbound)).toEqual(["outbound:0.0.0.0:8080", "outbound:0.0.0.0:9090"]);
    expect(outbound.every((l) => l.bindToPort === false)).toBe(true);
    const rc8080 = res.routes.find((r) => r.name === "outbound:0.0.0.0:8080");
    expect(rc8080?.virtualHosts.map((v) => v.name)).toEqual(["echo:8080", "other:8080"]);
  });

  it("keeps HTTPRoute timeouts, disables Envoy's 15s default elsewhere, and leaves proxyless routes alone", () => {
    const slow = httpRoute("slow", { parentRefs: [{ name: "echo" }], rules: [{ backendRefs: [{ name: "echo" }], timeouts: { request: "30s" } }] });
    const model = ZoneModel.of([echo, echo1, slow]);
    const res = translateSidecar(model, MESH, "echo-1");
    const timeoutOf = (routeConfig: string) => {
      const action = res.routes.find((r) => r.name === routeConfig)?.virtualHosts[0]?.routes[0]?.action;
      return action?.case === "route" ? action.value.timeout : undefined;
    };
    expect(timeoutOf("outbound:0.0.0.0:8080")?.seconds).toBe(30n);
    expect(timeoutOf("inbound:echo:8080")).toEqual(expect.objectContaining({ seconds: 0n, nanos: 0 }));
    const proxyless = translateMesh(model, MESH).routes.find((r) => r.name === "echo:8080")?.virtualHosts[0]?.routes[0]?.action;
    expect(proxyless?.case === "route" ? proxyless.value.timeout?.seconds : undefined).toBe(30n);
    const plain = translateMesh(ZoneModel.of([echo]), MESH).routes[0]?.virtualHosts[0]?.routes[0]?.action;
    expect(plain?.case === "route" ? plain.value.timeout : "no route").toBeUndefined();
  });

  it("does not modify the model", () => {
    const model = ZoneModel.of([echo, echo1, echo2]);
    const before = JSON.stringify([...model.byKey.entries()]);
    translateSidecar(model, MESH, "echo-1");
    expect(JSON.stringify([...model.byKey.entries()])).toBe(before);
  });
});

describe("checkConsistency on sidecar listeners", () => {
  it("finds nothing wrong with translated output", () => {
    expect(checkConsistency(sidecar([echo, echo1, echo2]))).toEqual([]);
  });

  it("reports a filter chain whose route configuration is missing", () => {
    const res = sidecar([echo, echo1]);
    res.routes = res.routes.filter((r) => r.name !== "outbound:0.0.0.0:8080");
    expect(checkConsistency(res)).toEqual([
      'listener "outbound:0.0.0.0:8080" filter_chains[0]: route configuration "outbound:0.0.0.0:8080" does not exist',
    ]);
  });

  it("reports a filter chain without an HttpConnectionManager", () => {
    const res = sidecar([echo, echo1]);
    const inbound = res.listeners.find((l) => l.name === "inbound:10.0.0.1:8080")!;
    inbound.filterChains[0]!.filters = [
      create(FilterSchema, { name: "envoy.filters.network.tcp_proxy", configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) } }),
    ];
    expect(checkConsistency(res)).toEqual(['listener "inbound:10.0.0.1:8080" filter_chains[0]: no HttpConnectionManager']);
  });

  it("reports a filter chain whose last HTTP filter is not the router", () => {
    const res = sidecar([echo, echo1]);
    const outbound = res.listeners.find((l) => l.name === "outbound:0.0.0.0:8080")!;
    const hcm = create(HttpConnectionManagerSchema, {
      statPrefix: "outbound_8080",
      routeSpecifier: { case: "rds", value: { routeConfigName: "outbound:0.0.0.0:8080" } },
      httpFilters: [{ name: "not-a-router" }],
    });
    outbound.filterChains[0]!.filters[0]!.configType = { case: "typedConfig", value: anyPack(HttpConnectionManagerSchema, hcm) };
    expect(checkConsistency(res)).toEqual(['listener "outbound:0.0.0.0:8080" filter_chains[0]: the last HTTP filter is not the router']);
  });

  it("checks the clusters an inline route configuration sends to", () => {
    const res = sidecar([echo, echo1]);
    const virtual = res.listeners.find((l) => l.name === VIRTUAL_OUTBOUND_LISTENER)!;
    const inline = create(RouteConfigurationSchema, {
      name: "outbound:virtual",
      virtualHosts: [{ name: "all", domains: ["*"], routes: [{ name: "r", match: { pathSpecifier: { case: "prefix", value: "/" } }, action: { case: "route", value: { clusterSpecifier: { case: "cluster", value: "gone" } } } }] }],
    });
    const hcm = create(HttpConnectionManagerSchema, {
      statPrefix: "outbound_virtual",
      routeSpecifier: { case: "routeConfig", value: inline },
      httpFilters: [{ name: "envoy.filters.http.router", configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) } }],
    });
    virtual.filterChains[0]!.filters[0]!.configType = { case: "typedConfig", value: anyPack(HttpConnectionManagerSchema, hcm) };
    expect(checkConsistency(res)).toEqual(['route configuration "outbound:virtual" route "r": cluster "gone" does not exist']);
  });
});

describe("string rules", () => {
  it("HTTP header regexes are strict unless the annotation says strict: false", () => {
    const rules = create(StringRulesSchema, { wellKnown: { case: "wellKnownRegex", value: KnownRegex.HTTP_HEADER_NAME } });
    expect(rules.strict).toBe(true);
    expect(stringFindings(rules, "x header")).toEqual(["must be a valid HTTP header name"]);
    rules.strict = false;
    expect(stringFindings(rules, "x header")).toEqual([]);
  });
});
