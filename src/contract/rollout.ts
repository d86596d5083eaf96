import type { Kind } from "./resource-types.js";
import type { RevisionTrace } from "./revision-trace.js";

/**
 * Where one revision of one resource is (`GET {resource}/status`): the zones
 * that applied it and every proxy's answer. The API computes it
 * (src/api/rollout-status.ts); the CLI's `status` and `apply --wait` read it.
 */
export type ProxyAckState = "ACK" | "NACK" | "PENDING";

/** One proxy's answer to "do you run revision R?". */
export interface ProxyRollout {
  proxyId: string;
  zone: string;
  bridgeId: string;
  connected: boolean;
  state: ProxyAckState;
  /** The lowest revision the proxy holds across its types (what it surely has). */
  revision: number;
  errorDetail?: string;
  /** The xDS type a NACK was for. */
  typeUrl?: string;
  ackedAtMs?: number;
  writeToAckMs?: number;
  /** It connected after the write: not counted in the rollout's summary, time or `done`. */
  joinedAfterWrite?: boolean;
}

/** Counts over the proxies connected when the revision was written; later joiners apart. */
export interface RolloutSummary {
  proxies: number;
  acked: number;
  nacked: number;
  pending: number;
  joinedLater: number;
}

export interface ResourceStatus {
  kind: Kind;
  mesh: string;
  name: string;
  revision: number;
  writtenAt: string;
  deleted: boolean;
  zones: { zone: string; appliedRevision: number; applied: boolean }[];
  proxies: ProxyRollout[];
  summary: RolloutSummary;
  /** Every zone applied it and every proxy connected at write time (and still connected) holds it. */
  done: boolean;
  /** Where the revision's time went, hop by hop, per zone and bridge (src/contract/revision-trace.ts). */
  trace: RevisionTrace;
}
