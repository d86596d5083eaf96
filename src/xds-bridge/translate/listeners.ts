import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { ListenerSchema, type Listener } from "../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouterSchema } from "../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import { HttpConnectionManagerSchema } from "../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import type { MeshView, Service } from "./mesh-view.js";
import { listenerName, routeConfigName } from "./names.js";
import { adsConfigSource } from "./proto-values.js";

/** Envoy's well-known name for the router filter. */
export const ROUTER_FILTER_NAME = "envoy.filters.http.router";

/**
 * The API listeners of every service in the mesh: `svc:p` for each port and
 * the bare `svc` for the first port (a client dialing `xds:///svc` asks for
 * exactly "svc"). Unsorted; the mesh translator sorts.
 *
 * @example buildListeners(view).map((l) => l.name) // ["echo", "echo:50051"]
 */
export function buildListeners(view: MeshView): Listener[] {
  return view.services.flatMap(serviceListeners);
}

function serviceListeners(service: Service): Listener[] {
  const name = service.metadata.name;
  const out = service.spec.ports.map((p) => apiListener(listenerName(name, p.port), routeConfigName(name, p.port)));
  const first = service.spec.ports[0];
  if (first) out.push(apiListener(listenerName(name), routeConfigName(name, first.port)));
  return out;
}

/**
 * A listener with no address: proxyless gRPC clients only read the
 * HttpConnectionManager in api_listener, and require the Router to be the
 * last HTTP filter.
 */
function apiListener(name: string, routeConfig: string): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    routeSpecifier: { case: "rds", value: { configSource: adsConfigSource(), routeConfigName: routeConfig } },
    httpFilters: [
      { name: ROUTER_FILTER_NAME, configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) } },
    ],
  });
  return create(ListenerSchema, {
    name,
    apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm) },
  });
}
