import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import type { RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { RouterSchema } from "../../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import {
  HttpConnectionManager_CodecType,
  HttpConnectionManagerSchema,
  HttpFilterSchema,
  type HttpConnectionManager,
  type HttpFilter,
} from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { faultFilter } from "./fault-filter.js";
import { adsConfigSource } from "./proto-values.js";

/** Envoy's well-known name for the router filter. */
export const ROUTER_FILTER_NAME = "envoy.filters.http.router";

/**
 * The HttpConnectionManager every listener we emit uses, proxyless or
 * sidecar: routes over RDS on the ADS stream, the Router as the last HTTP
 * filter, which grpc-js-xds requires and Envoy needs to forward anything.
 * Before it, unless `faults: false` (a sidecar's inbound side, where
 * routing already happened at the caller), the fault filter that routes
 * with a `fault` override (fault-filter.ts); it is always there, so adding
 * the first fault changes a route, not the listener. `before`: filters ahead
 * of both (a sidecar inbound's RBAC). `stat_prefix` is required by PGV (min_len 1) even though
 * grpc-js-xds never reads it. Codec AUTO (the default, so absent from JSON)
 * lets one listener take HTTP/1.1 and HTTP/2 (gRPC).
 *
 * @example rdsConnectionManager("outbound_8080", "outbound:8080").routeSpecifier.case // "rds"
 */
export function rdsConnectionManager(statPrefix: string, routeConfigName: string, opts: { faults: boolean; before?: readonly HttpFilter[] } = { faults: true }): HttpConnectionManager {
  return create(HttpConnectionManagerSchema, {
    statPrefix,
    codecType: HttpConnectionManager_CodecType.AUTO,
    routeSpecifier: { case: "rds", value: { configSource: adsConfigSource(), routeConfigName } },
    httpFilters: [...(opts.before ?? []), ...(opts.faults ? [faultFilter()] : []), routerFilter()],
  });
}

/**
 * Like rdsConnectionManager, with the routes inline instead of over RDS: for
 * a fixed table that does not depend on the model, so there is no resource
 * whose absence could hold the listener back. `filters` run before the
 * Router (a server's RBAC).
 *
 * @example inlineConnectionManager("outbound_virtual", create(RouteConfigurationSchema, { name: "x" }))
 */
export function inlineConnectionManager(statPrefix: string, routes: RouteConfiguration, filters: readonly HttpFilter[] = []): HttpConnectionManager {
  return create(HttpConnectionManagerSchema, {
    statPrefix,
    codecType: HttpConnectionManager_CodecType.AUTO,
    routeSpecifier: { case: "routeConfig", value: routes },
    httpFilters: [...filters, routerFilter()],
  });
}

function routerFilter(): HttpFilter {
  return create(HttpFilterSchema, {
    name: ROUTER_FILTER_NAME,
    configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) },
  });
}
