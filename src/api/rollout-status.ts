import type { ProxyRollout, RolloutSummary } from "../contract/rollout.js";
import type { ProxyRow, ProxyTypeState } from "../contract/zone-status.js";

/**
 * Where revision `revision` is, for one proxy (pure; the zone supplies the
 * rows). A proxy holds R when every xDS type it reported is at R or later:
 * types a change did not touch are reported current without a push (the
 * bridge's onCurrent), so "every type" is right for affected and unaffected
 * proxies alike. A NACK of a version at or past R means R was refused.
 *
 * `writeToAckMs` is the time from the write to the newest of the ACKs that
 * brought the types to R or later: exact when the proxy's last reports were
 * for R, an upper bound when later changes followed. A proxy that connected
 * after the write (its bridge already held the revision when its stream
 * opened) is marked `joinedAfterWrite` and gets no write-to-ACK
 * time: how long it waited says when it connected, not how fast the change
 * travelled.
 *
 * @example proxyRollout(row, "zone-a", 42, Date.parse(writtenAt))
 */
export function proxyRollout(row: ProxyRow, zone: string, revision: number, writtenAtMs: number): ProxyRollout {
  const joined = row.joinedRevision > 0 && row.joinedRevision >= revision;
  const base = { proxyId: row.proxyId, zone, bridgeId: row.bridgeId, connected: row.connected, ...(joined ? { joinedAfterWrite: true } : {}) };
  const lowest = row.types.reduce((min, t) => Math.min(min, t.state === "ACK" ? t.revision : Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
  const held = lowest === Number.MAX_SAFE_INTEGER ? 0 : lowest;
  const nack = row.types.find((t) => t.state === "NACK" && t.revision >= revision);
  if (nack) return { ...base, state: "NACK", revision: held, errorDetail: nack.errorDetail, typeUrl: nack.typeUrl };
  // Refused earlier and held back since (poison isolation): the proxy ACKs
  // later changes, but what it refused at heldRevision it still does not run.
  const holding = row.types.find((t) => t.heldRevision >= revision);
  if (holding) return { ...base, state: "NACK", revision: held, errorDetail: holding.heldError, typeUrl: holding.typeUrl };
  if (row.types.length > 0 && row.types.every((t) => t.state === "ACK" && t.revision >= revision)) {
    const ackedAtMs = Math.max(...row.types.map((t) => t.atMs));
    return { ...base, state: "ACK", revision: held, ackedAtMs, ...(joined ? {} : { writeToAckMs: Math.max(0, ackedAtMs - writtenAtMs) }) };
  }
  return { ...base, state: "PENDING", revision: held };
}

/** Counts over the proxies that were connected when the revision was written; later joiners apart. */
export function summarize(proxies: ProxyRollout[]): RolloutSummary {
  const atWrite = proxies.filter((p) => !p.joinedAfterWrite);
  return {
    proxies: atWrite.length,
    acked: atWrite.filter((p) => p.state === "ACK").length,
    nacked: atWrite.filter((p) => p.state === "NACK").length,
    pending: atWrite.filter((p) => p.state === "PENDING").length,
    joinedLater: proxies.length - atWrite.length,
  };
}

/** Per type, for the proxies list: NACKED, SYNCED (at or past the mesh's head) or STALE. */
export function typeStates(row: ProxyRow, meshHead: number): Record<string, ProxyTypeState> {
  const out: Record<string, ProxyTypeState> = {};
  for (const t of row.types) {
    const short = t.typeUrl.split(".").pop() ?? t.typeUrl;
    if (t.state === "NACK") out[short] = { state: "NACKED", revision: t.revision, errorDetail: t.errorDetail };
    else if (t.heldRevision > 0) out[short] = { state: "NACKED", revision: t.heldRevision, errorDetail: t.heldError };
    else out[short] = { state: row.connected && t.revision >= meshHead ? "SYNCED" : "STALE", revision: t.revision };
  }
  return out;
}
