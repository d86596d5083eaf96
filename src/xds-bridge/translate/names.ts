/**
 * Names of the xDS resources a mesh translates to. The ADS server, the tests
 * and the translators share them, so a client's request and the resource it
 * gets can never disagree on spelling.
 *
 * Service names are DNS labels (no ":" or "|"), so these names cannot collide.
 */

/**
 * The Listener a proxyless gRPC client requests for `xds:///<service>[:<port>]`:
 * grpc-js-xds asks for the target's path verbatim. Without a port it is the
 * bare service name, which the translator serves for the service's first port.
 *
 * @example listenerName("echo", 50051) // "echo:50051"
 * @example listenerName("echo") // "echo"
 */
export function listenerName(service: string, port?: number): string {
  return port === undefined ? service : `${service}:${port}`;
}

/**
 * The RouteConfiguration (and its single virtual host) for one service port.
 * The bare listener of a service shares its first port's route configuration.
 *
 * @example routeConfigName("echo", 50051) // "echo:50051"
 */
export function routeConfigName(service: string, port: number): string {
  return `${service}:${port}`;
}

/**
 * The Cluster for one service port, Istio-style so it reads the same in
 * every dashboard: `outbound|<port>||<service>.<mesh>`. The EDS service name
 * (ClusterLoadAssignment.cluster_name) is the same string.
 *
 * @example clusterName("echo", 50051, "default") // "outbound|50051||echo.default"
 */
export function clusterName(service: string, port: number, mesh: string): string {
  return `outbound|${port}||${service}.${mesh}`;
}

/**
 * What a proxyless server's bootstrap sets as
 * `server_listener_resource_name_template`; grpc-js-xds puts the address it
 * binds in place of `%s`.
 */
export const SERVER_LISTENER_TEMPLATE = "edgeplane/inbound/%s";

/**
 * The Listener a proxyless gRPC server bound to `address:port` asks for.
 *
 * @example serverListenerName("127.0.0.1", 50051) // "edgeplane/inbound/127.0.0.1:50051"
 */
export function serverListenerName(address: string, port: number): string {
  return SERVER_LISTENER_TEMPLATE.replace("%s", address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`);
}
