import { readFileSync } from "node:fs";
import { create, fromJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ClusterSchema, Cluster_DiscoveryType, type Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { LocalityLbEndpointsSchema } from "../../../../gen/envoy/config/endpoint/v3/endpoint_components_pb.js";
import { ListenerSchema } from "../../../../gen/envoy/config/listener/v3/listener_pb.js";
import { HeaderMatcherSchema, RouteMatchSchema } from "../../../../gen/envoy/config/route/v3/route_components_pb.js";
import { RouteConfigurationSchema } from "../../../../gen/envoy/config/route/v3/route_pb.js";
import { HttpConnectionManagerSchema } from "../../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { UInt32RulesSchema } from "../../../../gen/validate/validate_pb.js";
import { goldenCases, goldenDir } from "../../support/golden.js";
import { validateMessage } from "../../support/pgv/index.js";
import { boundsOf, checkBounds, numOf } from "../../support/pgv/numeric-bounds.js";
import { XDS_REGISTRY } from "../../support/xds-registry.js";

const registry = XDS_REGISTRY;

/** A cluster PGV accepts, to break one field at a time. */
function goodCluster() {
  return create(ClusterSchema, {
    name: "outbound|8080||echo.default",
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.EDS },
    connectTimeout: { seconds: 5n },
  });
}

function routeConfigWith(route: JsonValue): JsonValue {
  return { name: "rc", virtualHosts: [{ name: "vh", domains: ["*"], routes: [route] }] };
}

describe("validateMessage: broken messages", () => {
  it("accepts a well-formed cluster", () => {
    expect(validateMessage(ClusterSchema, goodCluster())).toEqual([]);
  });

  it("duration gt: a negative or zero connect_timeout", () => {
    const c = goodCluster();
    c.connectTimeout = { $typeName: "google.protobuf.Duration", seconds: -1n, nanos: 0 };
    expect(validateMessage(ClusterSchema, c)).toEqual(["connect_timeout: must be greater than 0s"]);
    c.connectTimeout = { $typeName: "google.protobuf.Duration", seconds: 0n, nanos: 0 };
    expect(validateMessage(ClusterSchema, c)).toEqual(["connect_timeout: must be greater than 0s"]);
  });

  it("string min_len and enum defined_only on plain proto3 fields (zero values count)", () => {
    const c = goodCluster();
    c.name = "";
    c.lbPolicy = 42 as Cluster_LbPolicy; // proto3 enums are open: parsing keeps unknown numbers
    expect(validateMessage(ClusterSchema, c)).toEqual([
      "name: must be at least 1 characters long",
      "lb_policy: must be one of the defined LbPolicy values",
    ]);
  });

  it("oneof required: a listener address without an address kind, a socket address without a port", () => {
    const empty = fromJson(ListenerSchema, { name: "l", address: {} });
    expect(validateMessage(ListenerSchema, empty)).toEqual(["address.address: one of its fields must be set"]);
    const noPort = fromJson(ListenerSchema, { name: "l", address: { socketAddress: { address: "" } } });
    expect(validateMessage(ListenerSchema, noPort)).toEqual([
      "address.socket_address.port_specifier: one of its fields must be set",
      "address.socket_address.address: must be at least 1 characters long",
    ]);
  });

  it("a missing listener address is not a PGV violation in this Envoy API (no rule on the field)", () => {
    // Envoy itself refuses a listener without address or api_listener, in code, not PGV.
    expect(validateMessage(ListenerSchema, create(ListenerSchema, { name: "l" }))).toEqual([]);
  });

  it("uint32 lte: a port above 65535", () => {
    const l = fromJson(ListenerSchema, { name: "l", address: { socketAddress: { address: "0.0.0.0", portValue: 70000 } } });
    expect(validateMessage(ListenerSchema, l)).toEqual(["address.socket_address.port_value: must be less than or equal to 65535"]);
  });

  it("oneof required and message required: a route action without a cluster specifier, a route without a match", () => {
    const rc = fromJson(RouteConfigurationSchema, routeConfigWith({ name: "r", route: {} }));
    expect(validateMessage(RouteConfigurationSchema, rc)).toEqual([
      "virtual_hosts[0].routes[0].match: must be set",
      "virtual_hosts[0].routes[0].route.cluster_specifier: one of its fields must be set",
    ]);
  });

  it("rules of a oneof member apply when it is the chosen one: an empty cluster name", () => {
    const rc = fromJson(RouteConfigurationSchema, routeConfigWith({ match: { prefix: "/" }, route: { cluster: "" } }));
    expect(validateMessage(RouteConfigurationSchema, rc)).toEqual(["virtual_hosts[0].routes[0].route.cluster: must be at least 1 characters long"]);
  });

  it("repeated min_items: a virtual host without domains, weighted_clusters without clusters", () => {
    const rc = fromJson(RouteConfigurationSchema, {
      name: "rc",
      virtualHosts: [{ name: "vh", routes: [{ match: { prefix: "/" }, route: { weightedClusters: {} } }] }],
    });
    expect(validateMessage(RouteConfigurationSchema, rc)).toEqual([
      "virtual_hosts[0].domains: must contain at least 1 items",
      "virtual_hosts[0].routes[0].route.weighted_clusters.clusters: must contain at least 1 items",
    ]);
  });

  it("well-known header name (non-strict, as Envoy annotates it): NUL, CR and LF are refused", () => {
    const bad = create(HeaderMatcherSchema, { name: "x-bad\nheader" });
    expect(validateMessage(HeaderMatcherSchema, bad)).toEqual(["name: must be a valid HTTP header name"]);
    expect(validateMessage(HeaderMatcherSchema, create(HeaderMatcherSchema, { name: "x-canary" }))).toEqual([]);
  });

  it("string pattern: path_separated_prefix must not end with a slash", () => {
    const m = create(RouteMatchSchema, { pathSpecifier: { case: "pathSeparatedPrefix", value: "/foo/" } });
    expect(validateMessage(RouteMatchSchema, m)).toEqual(['path_separated_prefix: must match regex pattern "^[^?#]+[^?#/]$"']);
  });

  it("rules on a wrapper field apply to the wrapped value, only when it is set", () => {
    const unset = create(LocalityLbEndpointsSchema, {});
    expect(validateMessage(LocalityLbEndpointsSchema, unset)).toEqual([]);
    const zero = create(LocalityLbEndpointsSchema, { loadBalancingWeight: 0, priority: 129 });
    expect(validateMessage(LocalityLbEndpointsSchema, zero)).toEqual([
      "load_balancing_weight: must be greater than or equal to 1",
      "priority: must be less than or equal to 128",
    ]);
  });

  it("walks into Any payloads whose type the registry knows, and only those", () => {
    const hcm = create(HttpConnectionManagerSchema, { requestHeadersTimeout: { seconds: -2n } });
    const l = create(ListenerSchema, {
      name: "l",
      filterChains: [{ filters: [{ name: "hcm", configType: { case: "typedConfig", value: anyPack(HttpConnectionManagerSchema, hcm) } }] }],
    });
    expect(validateMessage(ListenerSchema, l, registry)).toEqual([
      "filter_chains[0].filters[0].typed_config.route_specifier: one of its fields must be set",
      "filter_chains[0].filters[0].typed_config.stat_prefix: must be at least 1 characters long",
      "filter_chains[0].filters[0].typed_config.request_headers_timeout: must be greater than or equal to 0s",
    ]);
    expect(validateMessage(ListenerSchema, l)).toEqual([]);
  });

  it("names the position in lists of a whole assignment", () => {
    const cla = fromJson(ClusterLoadAssignmentSchema, {
      clusterName: "c",
      endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: "10.0.0.1", portValue: 1 } } } }] }, { loadBalancingWeight: 0 }],
    });
    expect(validateMessage(ClusterLoadAssignmentSchema, cla)).toEqual(["endpoints[1].load_balancing_weight: must be greater than or equal to 1"]);
  });
});

describe("checkBounds: PGV range semantics", () => {
  const bounds = (init: Parameters<typeof create<typeof UInt32RulesSchema>>[1]) => boundsOf(UInt32RulesSchema, create(UInt32RulesSchema, init), numOf);

  it("only the bounds the annotation sets count, an explicit 0 included", () => {
    expect(checkBounds(0, bounds({ lte: 10 }), String)).toEqual([]);
    expect(checkBounds(0, bounds({ gt: 0 }), String)).toEqual(["must be greater than 0"]);
  });

  it("lower < upper is inside the range, lower >= upper outside the reversed one", () => {
    expect(checkBounds(5, bounds({ gt: 0, lte: 4 }), String)).toEqual(["must be inside range (0, 4]"]);
    expect(checkBounds(4, bounds({ gt: 0, lte: 4 }), String)).toEqual([]);
    expect(checkBounds(25, bounds({ gt: 30, lt: 20 }), String)).toEqual(["must be outside range [20, 30]"]);
    expect(checkBounds(35, bounds({ gt: 30, lt: 20 }), String)).toEqual([]);
    expect(checkBounds(10, bounds({ gt: 30, lt: 20 }), String)).toEqual([]);
  });

  it("const, in and not_in", () => {
    expect(checkBounds(3, bounds({ const: 4 }), String)).toEqual(["must equal 4"]);
    expect(checkBounds(3, bounds({ in: [1, 2] }), String)).toEqual(["must be in list [1, 2]"]);
    expect(checkBounds(2, bounds({ notIn: [2] }), String)).toEqual(["must not be in list [2]"]);
  });
});

/*
 * The proxyless golden outputs (test/golden/<case>/xds.json), read back from
 * JSON: what the bridge serves must pass what Envoy checks, even though
 * grpc-js-xds checks less. This found an empty HttpConnectionManager
 * stat_prefix in every API listener (PGV: min_len 1), fixed in listeners.ts.
 */
describe("validateMessage over the proxyless golden outputs", () => {
  const dir = goldenDir("golden");
  const kinds: [string, DescMessage][] = [
    ["listeners", ListenerSchema],
    ["routes", RouteConfigurationSchema],
    ["clusters", ClusterSchema],
    ["endpoints", ClusterLoadAssignmentSchema],
  ];

  it.each(goldenCases(dir))("%s has no findings", (caseName) => {
    const doc = JSON.parse(readFileSync(new URL(`${caseName}/xds.json`, dir), "utf8")) as Record<string, JsonValue[] | undefined>;
    const found: string[] = [];
    for (const [key, schema] of kinds) {
      (doc[key] ?? []).forEach((json, i) => {
        for (const f of validateMessage(schema, fromJson(schema, json, { registry }), registry)) found.push(`${key}[${i}].${f}`);
      });
    }
    expect(found).toEqual([]);
  });
});
