/**
 * The per-hop trace of a revision: when it was committed, and from there
 * every hop it took to the proxies, per zone and per bridge. The zone keeps
 * the raw records (`ZoneTraceRecord`, each timestamp on the clock of the
 * process that took it, with the offsets measured on each link); the API
 * turns them into `RevisionTrace`, every hop as milliseconds since the
 * commit (src/api/revision-trace-view.ts); the CLI draws it as a waterfall.
 */

/** A bridge's record of one zone update, as its TraceReport carried it (bridge clock, unix ms; 0: not yet). */
export interface BridgeTraceRecord {
  bridgeId: string;
  /** Zone clock minus bridge clock, and the round trip of that measurement. */
  zoneMinusBridgeMs: number;
  clockRttMs: number;
  receivedMs: number;
  translatedMs: number;
  publishedMs: number;
  proxiesPushed: number;
  proxiesAcked: number;
  firstPushMs: number;
  lastPushMs: number;
  lastAckMs: number;
  slowestProxy: string;
  slowestPushedMs: number;
  slowestAckedMs: number;
}

/** What a zone holds about the latest revision of one resource (zone clock, unix ms). */
export interface ZoneTraceRecord {
  /** The resource's revision, and the zone update (its last revision) that carried it to the bridges. */
  revision: number;
  updateRevision: number;
  /** The API's commit time read on the zone's clock (null: the API's report has not arrived). */
  committedMs: number | null;
  /** +- on committedMs: half the round trip of the sync call it was measured on. */
  commitUncertaintyMs: number | null;
  /** The sync call for this revision arrived (null: an earlier pull, the alarm or a handshake brought it first). */
  notifiedMs: number | null;
  /** Its journal rows were read and the zone's state written. */
  appliedMs: number;
  /** The update frames went to the bridges. */
  sentMs: number;
  bridges: BridgeTraceRecord[];
}

/** One hop: milliseconds after the commit, or null when it has not happened (or was not seen). */
export interface TraceHop {
  hop: string;
  ms: number | null;
}

export interface BridgeTrace {
  bridgeId: string;
  /** The bridge's hops are good to +- this (the API link's and this link's half round trips). */
  uncertaintyMs: number;
  hops: TraceHop[];
  proxies: { pushed: number; acked: number };
  /** The proxy that ACKed last; ackedMs null while it has not ACKed. */
  slowestProxy: { proxyId: string; pushedMs: number | null; ackedMs: number | null } | null;
}

export interface ZoneTrace {
  zone: string;
  updateRevision: number;
  /** The zone's hops are good to +- this (half the round trip the commit time was measured on). */
  uncertaintyMs: number;
  hops: TraceHop[];
  bridges: BridgeTrace[];
}

/** `trace` of `GET {resource}/status`: zones that have not applied the revision yet are absent. */
export interface RevisionTrace {
  revision: number;
  zones: ZoneTrace[];
}
