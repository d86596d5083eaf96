/**
 * Zone model -> Envoy xDS resources for proxyless gRPC clients. See README.md.
 */
export { translateMesh } from "./mesh-translator.js";
export { checkConsistency } from "./consistency.js";
export { clusterName, listenerName, routeConfigName } from "./names.js";
export { MeshView } from "./mesh-view.js";
export { attachedRoutes, comparePrecedence, orderedRuleMatches, type RuleMatch } from "./route-precedence.js";
export { resolveBackends, type WeightedBackend } from "./backends.js";
export { DEFAULT_ROUTE_NAME } from "./routes.js";
export { ROUTER_FILTER_NAME } from "./listeners.js";
