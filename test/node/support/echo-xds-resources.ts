import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import {
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  ClusterSchema,
  type Cluster,
} from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ConfigSourceSchema, type ConfigSource } from "../../../gen/envoy/config/core/v3/config_source_pb.js";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { ListenerSchema, type Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { RouterSchema } from "../../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import {
  HttpConnectionManagerSchema,
  HttpFilterSchema,
  type HttpFilter,
} from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import type { XdsResources } from "../../../src/xds-bridge/xds-resources.js";

// Hand-built Envoy resources that a proxyless gRPC client accepts, made with
// the generated types, for tests (the real translation lives in translate/).

/** One backend address; host defaults to 127.0.0.1. */
export interface Backend {
  host?: string;
  port: number;
}

const adsSource = (): ConfigSource => create(ConfigSourceSchema, { configSourceSpecifier: { case: "ads", value: {} } });

/** The router filter, which gRPC requires last in the chain. */
export function routerFilter(): HttpFilter {
  return create(HttpFilterSchema, {
    name: "envoy.filters.http.router",
    configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) },
  });
}

/**
 * A gRPC "API listener": HttpConnectionManager fetching its routes over ADS.
 *
 * @example apiListener("echo") // xds:///echo resolves through it
 */
export function apiListener(name: string, routeName = name, httpFilters: HttpFilter[] = [routerFilter()]): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    routeSpecifier: { case: "rds", value: { configSource: adsSource(), routeConfigName: routeName } },
    httpFilters,
  });
  return create(ListenerSchema, { name, apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm) } });
}

/** Routes every request ("/" prefix, any domain) to `cluster`. */
export function routeTo(name: string, cluster: string): RouteConfiguration {
  return create(RouteConfigurationSchema, {
    name,
    virtualHosts: [
      {
        name,
        domains: ["*"],
        routes: [
          {
            match: { pathSpecifier: { case: "prefix", value: "/" } },
            action: { case: "route", value: { clusterSpecifier: { case: "cluster", value: cluster } } },
          },
        ],
      },
    ],
  });
}

/** An EDS cluster whose endpoints come over ADS under the same name. */
export function edsCluster(name: string, lbPolicy: Cluster_LbPolicy = Cluster_LbPolicy.ROUND_ROBIN): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: adsSource(), serviceName: name },
    lbPolicy,
  });
}

/**
 * One locality holding `backends`. The locality weight is not optional for
 * gRPC: without it the whole locality is dropped.
 */
export function loadAssignment(clusterName: string, backends: Backend[], zone = "z"): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [
      {
        locality: { zone },
        loadBalancingWeight: 1,
        lbEndpoints: backends.map((b) => ({
          hostIdentifier: {
            case: "endpoint" as const,
            value: {
              address: {
                address: {
                  case: "socketAddress" as const,
                  value: { address: b.host ?? "127.0.0.1", portSpecifier: { case: "portValue" as const, value: b.port } },
                },
              },
            },
          },
        })),
      },
    ],
  });
}

export interface EchoXdsOptions {
  /** Listener and route name; clients dial xds:///<service>. Default "echo". */
  service?: string;
  /** Cluster and EDS name. Default "<service>-c". */
  cluster?: string;
  backends: Backend[];
  lbPolicy?: Cluster_LbPolicy;
}

/**
 * The four resources that route xds:///<service> to `backends`.
 *
 * @example new Snapshot(echoXdsResources({ backends: [{ port: a.port }] }), "1")
 */
export function echoXdsResources(options: EchoXdsOptions): XdsResources {
  const service = options.service ?? "echo";
  const cluster = options.cluster ?? `${service}-c`;
  return {
    listeners: [apiListener(service)],
    routes: [routeTo(service, cluster)],
    clusters: [edsCluster(cluster, options.lbPolicy)],
    endpoints: [loadAssignment(cluster, options.backends)],
  };
}
