// The bridge's xDS serving core; see README.md in this folder.
export { Snapshot, type EncodedResource } from "./snapshot.js";
export { SnapshotCache, type SnapshotListener } from "./snapshot-cache.js";
export {
  DEFAULT_MESH,
  meshOfNode,
  snapshotKeyOf,
  snapshotTargetOf,
  snapshotTargetOfKey,
  type SnapshotTarget,
} from "./node-hash.js";
export { buildVersionInfo, compareVersionInfo, journalRevisionOf, parseVersionInfo, type VersionInfo } from "./version-info.js";
export { SotwSubscription } from "./sotw-subscription.js";
export { RESOURCE_KINDS, WILDCARD_NAME, resourceKind, resourceNameOf, type ResourceKind } from "./resource-kinds.js";
export { startAdsServer, type AdsServer, type AdsServerOptions } from "./ads-server.js";
export { adsServiceDefinition, ADS_SERVICE_NAME, type AdsServiceDefinition } from "./ads-service.js";
export { AdsProtocolError } from "./ads-stream-base.js";
export { SotwAdsStream, type SotwAdsStreamOptions } from "./ads-sotw-stream.js";
export { DeltaAdsStream, type DeltaAdsStreamOptions } from "./ads-delta-stream.js";
export { DeltaSubscription, type DeltaChange } from "./delta-subscription.js";
export { combineCallbacks, guardCallbacks, type ProxyCallbacks, type ProxyInfo } from "./proxy-callbacks.js";
export {
  ProxyTracker,
  type AckState,
  type ConnectedProxyStatus,
  type ProxyStatusRecord,
  type TrackerChanges,
  type TypeStatus,
} from "./proxy-tracker.js";
