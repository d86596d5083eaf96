/**
 * Names of the resources only Envoy sidecars get (translate-sidecar.ts); the
 * EDS clusters they share with proxyless clients are named in names.ts.
 *
 * Service names are DNS labels (no ":" or "|"), and every name here has two
 * separators where proxyless names have at most one, so a sidecar's
 * resources can never collide with a proxyless client's.
 */

/** The listener every captured outbound connection first lands on (iptables REDIRECT target). */
export const VIRTUAL_OUTBOUND_LISTENER = "outbound:virtual";

/** Istio's port for it, so existing capture rules (istio-iptables -p 15001) work unchanged. */
export const VIRTUAL_OUTBOUND_PORT = 15001;

/**
 * The listener peers reach the workload through: named after the address
 * and port the workload is published under in EDS, which it binds.
 *
 * @example inboundListenerName("10.0.0.1", 8080) // "inbound:10.0.0.1:8080"
 */
export function inboundListenerName(address: string, port: number): string {
  return `inbound:${address}:${port}`;
}

/**
 * The inbound RouteConfiguration (and its virtual host). `port` is the
 * workload's port, the one its app listens on (Istio: the target port).
 *
 * @example inboundRouteConfigName("echo", 8080) // "inbound:echo:8080"
 */
export function inboundRouteConfigName(service: string, port: number): string {
  return `inbound:${service}:${port}`;
}

/**
 * The STATIC cluster pointing at the app next to the sidecar, Istio-style.
 *
 * @example inboundClusterName("echo", 8080, "default") // "inbound|8080||echo.default"
 */
export function inboundClusterName(service: string, port: number, mesh: string): string {
  return `inbound|${port}||${service}.${mesh}`;
}

/**
 * The outbound listener of one port, for every Service in the mesh that has
 * that port; named after its (wildcard) address like the inbound one. Its
 * RouteConfiguration has the same name, as proxyless route configurations
 * are named like their listener.
 *
 * @example outboundListenerName(8080) // "outbound:0.0.0.0:8080"
 */
export function outboundListenerName(port: number): string {
  return `outbound:0.0.0.0:${port}`;
}
