// The bridge's xDS serving core; see README.md in this folder.
export { Snapshot, type EncodedResource } from "./snapshot.js";
export { SnapshotCache, DEFAULT_MESH, type SnapshotListener } from "./snapshot-cache.js";
export { Subscription, WILDCARD_NAME } from "./subscription.js";
export { RESOURCE_KINDS, resourceKind, resourceNameOf, type ResourceKind } from "./resource-kinds.js";
export { startAdsServer, type AdsServer, type AdsServerOptions } from "./ads-server.js";
export { adsServiceDefinition, ADS_SERVICE_NAME, type AdsServiceDefinition } from "./ads-service.js";
export { AdsStream, AdsProtocolError, type AdsStreamOptions } from "./ads-stream.js";
export { DeltaAdsStream, type DeltaAdsStreamOptions } from "./ads-delta-stream.js";
export { DeltaSubscription, type DeltaChange } from "./delta-subscription.js";
export {
  combineCallbacks,
  guardCallbacks,
  meshOfNode,
  type ProxyCallbacks,
  type ProxyInfo,
} from "./proxy-callbacks.js";
export {
  ProxyTracker,
  type AckState,
  type ConnectedProxyStatus,
  type ProxyStatusRecord,
  type TrackerChanges,
  type TypeStatus,
} from "./proxy-tracker.js";
