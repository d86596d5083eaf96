import type { BridgeTrace, BridgeTraceRecord, RevisionTrace, TraceHop, ZoneTrace, ZoneTraceRecord } from "../contract/revision-trace.js";

/**
 * The trace of one revision as the status route answers it (pure): every
 * hop as milliseconds after the commit. Each zone's record holds the commit
 * time already read on the zone's clock (the API measured the offset on its
 * sync call); each bridge's hops are moved onto the zone's clock with the
 * offset the bridge measured on its own link. No two clocks are assumed to
 * agree; the uncertainties are half the round trips of those measurements.
 *
 * Zones whose latest record is of another revision (they have not applied
 * this one yet, or a later one replaced it) are left out.
 *
 * @example revisionTrace(42, [{ zone: "zone-a", record }])
 */
export function revisionTrace(revision: number, zones: { zone: string; record: ZoneTraceRecord | null }[]): RevisionTrace {
  const out: ZoneTrace[] = [];
  for (const { zone, record } of zones) {
    if (!record || record.revision !== revision) continue;
    out.push(zoneTrace(zone, record));
  }
  return { revision, zones: out };
}

function zoneTrace(zone: string, r: ZoneTraceRecord): ZoneTrace {
  // Without the API's report the zone's own first hop is the origin: still a waterfall, marked by a null commit hop.
  const origin = r.committedMs ?? r.notifiedMs ?? r.appliedMs;
  const since = (ms: number | null): number | null => (ms === null ? null : round(ms - origin));
  const apiErr = r.commitUncertaintyMs ?? 0;
  return {
    zone,
    updateRevision: r.updateRevision,
    uncertaintyMs: round(apiErr),
    hops: [
      { hop: "committed", ms: r.committedMs === null ? null : 0 },
      { hop: "zone notified", ms: since(r.notifiedMs) },
      { hop: "zone applied", ms: since(r.appliedMs) },
      { hop: "frame sent", ms: since(r.sentMs) },
    ],
    bridges: r.bridges.map((b) => bridgeTrace(b, origin, apiErr)),
  };
}

function bridgeTrace(b: BridgeTraceRecord, origin: number, apiErr: number): BridgeTrace {
  // Bridge clock -> zone clock -> ms since the commit; 0 means the hop has not happened.
  const since = (ms: number): number | null => (ms > 0 ? round(ms + b.zoneMinusBridgeMs - origin) : null);
  const hops: TraceHop[] = [
    { hop: "bridge received", ms: since(b.receivedMs) },
    { hop: "translated", ms: since(b.translatedMs) },
    { hop: "snapshot published", ms: since(b.publishedMs) },
    { hop: "first proxy pushed", ms: since(b.firstPushMs) },
    { hop: "last proxy pushed", ms: since(b.lastPushMs) },
    { hop: "last proxy ACKed", ms: b.proxiesAcked === b.proxiesPushed ? since(b.lastAckMs) : null },
  ];
  return {
    bridgeId: b.bridgeId,
    uncertaintyMs: round(apiErr + b.clockRttMs / 2),
    hops,
    proxies: { pushed: b.proxiesPushed, acked: b.proxiesAcked },
    slowestProxy: b.slowestProxy === "" ? null : { proxyId: b.slowestProxy, pushedMs: since(b.slowestPushedMs), ackedMs: since(b.slowestAckedMs) },
  };
}

/** Hundredths of a millisecond: finer than any clock here, coarse enough to read. */
function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
