import { create } from "@bufbuild/protobuf";
import { ListenerSchema, type Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { rdsConnectionManager } from "./http-connection-manager.js";
import type { MeshView, Service } from "./mesh-view.js";
import { listenerName, routeConfigName } from "./names.js";
import { packManager } from "./packed-manager.js";

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
 * HttpConnectionManager in api_listener. Its stat_prefix is the listener
 * name: grpc-js-xds ignores it, but PGV (and so Envoy) requires one.
 */
function apiListener(name: string, routeConfig: string): Listener {
  return create(ListenerSchema, {
    name,
    apiListener: { apiListener: packManager(rdsConnectionManager(name, routeConfig)) },
  });
}
