/**
 * Zone model -> Envoy xDS resources for proxyless gRPC clients (translateMesh)
 * and for Envoy sidecars (translateSidecar). See README.md.
 */
export { translateMesh, translateView } from "./mesh-translator.js";
export { translateMeshIncremental, type MeshMemo } from "./incremental.js";
export { findWorkload, translateSidecar } from "./sidecar-translator.js";
export { checkConsistency, newConsistencyMemo, type ConsistencyMemo } from "./consistency.js";
export { unservableRegexes } from "./regex-check.js";
export { clusterName, listenerName, routeConfigName } from "./names.js";
export { MeshView } from "./mesh-view.js";
export { attachedRoutes, comparePrecedence, orderedRuleMatches, type RuleMatch } from "./route-precedence.js";
export { resolveBackends, type WeightedBackend } from "./backends.js";
export { DEFAULT_ROUTE_NAME, serviceRoutes } from "./routes.js";
export { ROUTER_FILTER_NAME } from "./http-connection-manager.js";
export {
  VIRTUAL_OUTBOUND_LISTENER,
  VIRTUAL_OUTBOUND_PORT,
  inboundClusterName,
  inboundListenerName,
  inboundRouteConfigName,
  outboundListenerName,
} from "./sidecar-names.js";
export { serviceDomains } from "./outbound.js";
export { OriginalDstSchema } from "./original-dst.js";
export { TYPED_CONFIGS } from "./typed-configs.js";
