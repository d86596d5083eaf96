import type { Resource } from "./resource-types.js";

/**
 * What a zone reports about itself (the zone Durable Object's `status()`
 * RPC) and the API answers built from it: `GET /v1/zones`,
 * `GET /v1/zones/{zone}/status` and `GET /v1/meshes/{mesh}/proxies`.
 */

export interface BridgeRow {
  bridgeId: string;
  connected: boolean;
  connectedAtMs: number;
  lastSeenMs: number;
  revisionApplied: number;
}

export interface ProxyTypeStatus {
  typeUrl: string;
  state: "ACK" | "NACK";
  revision: number;
  errorDetail: string;
  atMs: number;
  /** >0 while the proxy refused this revision and runs with the refused resources held back. */
  heldRevision: number;
  heldError: string;
}

export interface ProxyRow {
  proxyId: string;
  mesh: string;
  bridgeId: string;
  /** False once the proxy's stream closed or its bridge went away: "stale". */
  connected: boolean;
  /** When the zone first heard of the proxy's current connection (zone clock, unix ms). */
  connectedAtMs: number;
  /** When it went away (zone clock); 0 while connected. Disconnected proxies are forgotten after a retention period. */
  disconnectedAtMs: number;
  /** The zone revision its bridge held when its stream opened (0: unknown, an older bridge). */
  joinedRevision: number;
  /** The Workload an Envoy sidecar runs next to; "" for a proxyless gRPC client. */
  workload: string;
  /** The Service the proxy names in its node metadata; "" when none. */
  service: string;
  types: ProxyTypeStatus[];
}

/** A certificate a zone issued and that is still valid (zone-do/certificate-signer.ts). */
export interface IssuedIdentity {
  mesh: string;
  service: string;
  serial: string;
  /** The bridge that asked for it: the key is there (and in its certs dir), nowhere else. */
  bridgeId: string;
  issuedAtMs: number;
  notAfterMs: number;
}

export interface ZoneStatus {
  zone: string;
  revision: number;
  checksum: string;
  logFloor: number;
  bridges: BridgeRow[];
  proxies: ProxyRow[];
  endpoints: { version: number; discovered: number; total: number; pendingReport: number };
  identities: IssuedIdentity[];
}

/** `GET /v1/meshes/{mesh}/identities`: what each zone issued, newest certificate per identity and bridge. */
export interface IdentityList {
  kind: "IdentityList";
  mesh: string;
  items: (Omit<IssuedIdentity, "mesh"> & { zone: string; spiffeId: string; notAfter: string })[];
}

/** Per xDS type, in the proxies list: at or past the mesh's newest revision, behind, or refusing. */
export interface ProxyTypeState {
  state: "SYNCED" | "STALE" | "NACKED";
  revision: number;
  errorDetail?: string;
}

/** `GET /v1/meshes/{mesh}/proxies`. */
export interface ProxyList {
  kind: "ProxyList";
  mesh: string;
  /** The newest journal revision that changed anything of the mesh. */
  meshRevision: number;
  items: {
    proxyId: string;
    zone: string;
    bridgeId: string;
    connected: boolean;
    connectedAtMs: number;
    disconnectedAtMs: number;
    /** From what its bridge serves it: an Envoy sidecar (of `workload`) or a proxyless gRPC client. */
    kind: ProxyKind;
    /** The sidecar's Workload; absent for proxyless clients. */
    workload?: string;
    /** In a mesh with mTLS, the proxy's SPIFFE ID (from the service it names, or its sidecar's Workload). */
    identity?: string;
    /** The certificate its bridge holds for that identity: expiry and serial. */
    certificateNotAfter?: string;
    certificateSerial?: string;
    types: Record<string, ProxyTypeState>;
  }[];
}

export type ProxyKind = "sidecar" | "proxyless";

/**
 * A proxy's kind from its row: its bridge serves a sidecar the config of one
 * Workload (node metadata proxyType "sidecar" with a workload), and every
 * other node the mesh's shared proxyless config.
 *
 * @example proxyKindOf({ ...row, workload: "web-1" }) // "sidecar"
 */
export function proxyKindOf(row: Pick<ProxyRow, "workload">): ProxyKind {
  return row.workload ? "sidecar" : "proxyless";
}

/** `GET /v1/zones`: every zone, declared or seen, with its bridges and lag behind the journal head. */
export interface ZoneList {
  kind: "ZoneInventory";
  head: number;
  items: {
    name: string;
    declared: boolean;
    /** The Zone resource, when declared. */
    resource: Resource | null;
    revision: number;
    lag: number;
    endpoints: ZoneStatus["endpoints"];
    bridges: (BridgeRow & { lag: number })[];
  }[];
}
