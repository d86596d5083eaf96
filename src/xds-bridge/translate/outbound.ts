import { create } from "@bufbuild/protobuf";
import type { Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { VirtualHostSchema, type VirtualHost } from "../../../gen/envoy/config/route/v3/route_components_pb.js";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { rdsConnectionManager } from "./http-connection-manager.js";
import type { MeshView, Service } from "./mesh-view.js";
import { routeConfigName } from "./names.js";
import { serviceRoutes } from "./routes.js";
import { outboundListenerName } from "./sidecar-names.js";
import { socketListener } from "./sidecar-listeners.js";
import { withoutDefaultTimeout } from "./sidecar-timeouts.js";

/** The outbound listeners and their route configurations, one of each per port. */
export interface Outbound {
  listeners: Listener[];
  routes: RouteConfiguration[];
}

/**
 * One listener per distinct Service port in the mesh, on 0.0.0.0:<port>
 * without binding it: the virtual outbound listener hands it every captured
 * connection whose original destination has that port. Its route
 * configuration has one virtual host per Service with the port, chosen by
 * the Host / :authority header, and the same routes (HTTPRoutes, precedence,
 * backends) as the proxyless route configuration of that service port.
 * Unsorted; the sidecar translator sorts.
 *
 * @example buildOutbound(view).listeners.map((l) => l.name) // ["outbound:0.0.0.0:8080"]
 */
export function buildOutbound(view: MeshView): Outbound {
  const ports = [...new Set(view.services.flatMap((s) => s.spec.ports.map((p) => p.port)))];
  return {
    listeners: ports.map((port) =>
      socketListener({
        name: outboundListenerName(port),
        address: "0.0.0.0",
        port,
        hcm: rdsConnectionManager(`outbound_${port}`, outboundListenerName(port)),
        bindToPort: false,
      }),
    ),
    routes: ports.map((port) =>
      create(RouteConfigurationSchema, {
        name: outboundListenerName(port),
        virtualHosts: view.services.filter((s) => s.spec.ports.some((p) => p.port === port)).map((s) => virtualHost(view, s, port)),
      }),
    ),
  };
}

function virtualHost(view: MeshView, service: Service, port: number): VirtualHost {
  return create(VirtualHostSchema, {
    name: routeConfigName(service.metadata.name, port),
    domains: serviceDomains(service.metadata.name, view.mesh, port),
    routes: withoutDefaultTimeout(serviceRoutes(view, service, port)),
  });
}

/**
 * The Host values an app may send for a service: its name, qualified by the
 * mesh or not, with or without the port (Envoy compares the whole header,
 * port included, and an HTTP client adds a port that is not 80/443).
 * Service names have no dots, so no two services share a domain, which
 * Envoy would reject.
 *
 * @example serviceDomains("echo", "default", 8080) // ["echo", "echo.default", "echo:8080", "echo.default:8080"]
 */
export function serviceDomains(service: string, mesh: string, port: number): string[] {
  const names = [service, `${service}.${mesh}`];
  return [...names, ...names.map((n) => `${n}:${port}`)];
}
