/**
 * The shapes of the API answers the CLI reads. The Worker owns them (src/api);
 * the CLI may not import it, so they are restated here, narrowed to the fields
 * the CLI uses.
 */
import type { DocumentChange } from "../contract/document-diff.js";
import type { Kind, Resource } from "../contract/resource-types.js";

export type WriteAction = "created" | "updated" | "unchanged" | "deleted";

export interface WriteResult {
  kind: Kind;
  mesh: string;
  name: string;
  action: WriteAction;
  revision: number;
}

/** POST /v1/apply */
export interface ApplyResponse {
  dryRun: boolean;
  revision: number | null;
  results: WriteResult[];
}

/** GET /v1/meshes/{mesh}/{kinds}; workloads carry a `status` of where they came from. */
export interface ListResponse {
  kind: string;
  items: (Resource & { status?: { source?: string; zone?: string; health?: string } })[];
}

export interface HistoryEntry {
  revision: number;
  op: "put" | "delete";
  at: string;
  document: Resource | null;
}

/** GET {resource}/history */
export interface HistoryPage {
  items: HistoryEntry[];
  next: number | null;
}

/** GET {resource}/diff */
export interface DiffResponse {
  from: number;
  to: number;
  changes: DocumentChange[];
}

export type ProxyAckState = "ACK" | "NACK" | "PENDING";

export interface ResourceProxyStatus {
  proxyId: string;
  zone: string;
  bridgeId: string;
  connected: boolean;
  state: ProxyAckState;
  /** The lowest revision the proxy holds across its xDS types. */
  revision: number;
  errorDetail?: string;
  /** The xDS type a NACK was for. */
  typeUrl?: string;
  ackedAtMs?: number;
  writeToAckMs?: number;
}

/** GET /v1/meshes/{mesh}/{kinds}/{name}/status */
export interface ResourceStatus {
  kind: Kind;
  mesh: string;
  name: string;
  revision: number;
  writtenAt: string;
  deleted: boolean;
  zones: { zone: string; appliedRevision: number; applied: boolean }[];
  proxies: ResourceProxyStatus[];
  summary: { proxies: number; acked: number; nacked: number; pending: number };
  done: boolean;
}

export interface ProxyTypeState {
  state: "SYNCED" | "STALE" | "NACKED";
  revision: number;
  errorDetail?: string;
}

/** GET /v1/meshes/{mesh}/proxies */
export interface ProxiesResponse {
  items: { proxyId: string; zone: string; bridgeId: string; connected: boolean; types: Record<string, ProxyTypeState> }[];
}

/** GET /v1/zones */
export interface ZoneInventory {
  head?: number;
  items: {
    name: string;
    declared: boolean;
    resource?: Resource | null;
    revision: number;
    lag: number;
    bridges: { bridgeId: string; connected: boolean; revisionApplied?: number; lag?: number }[];
  }[];
}
