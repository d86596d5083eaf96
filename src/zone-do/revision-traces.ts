import type { BridgeTraceRecord, ZoneTraceRecord } from "../contract/revision-trace.js";
import type { TraceReport } from "../contract/zone-protocol/zone_pb.js";

/** Sync arrivals remembered for revisions the zone has not pulled yet; more are forgotten oldest first. */
const MAX_PENDING_NOTIFICATIONS = 1_000;

/**
 * The per-hop trace of the latest revision of every resource the zone
 * holds, in the zone's SQLite storage: its own hops per resource (sync
 * arrived, rows applied, frames sent, and the API's commit time read on the
 * zone's clock) and each bridge's TraceReport of the zone update that
 * carried it. Rows are replaced when a resource changes again, and a
 * bridge's record goes when no resource points at its update any more, so
 * the table stays as large as the resource table and each change costs in
 * proportion to the keys it touched.
 *
 * Timestamps are each process's own clock; the offsets measured on the
 * links travel with them (src/contract/clock-offset.ts).
 *
 * @example traces.recordUpdate(42, new Map([["HTTPRoute/default/echo", 42]]), Date.now(), Date.now());
 */
export class RevisionTraces {
  /** Revision -> when its sync call arrived, for revisions not applied yet (lost on eviction: the hop then shows as unknown). */
  private readonly pendingNotified = new Map<number, number>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS trace_keys (
        key TEXT PRIMARY KEY, revision INTEGER NOT NULL, update_revision INTEGER NOT NULL,
        committed_ms REAL, commit_err_ms REAL, notified_ms REAL, applied_ms REAL NOT NULL, sent_ms REAL NOT NULL);
      CREATE INDEX IF NOT EXISTS trace_keys_by_revision ON trace_keys (revision);
      CREATE INDEX IF NOT EXISTS trace_keys_by_update ON trace_keys (update_revision);
      CREATE TABLE IF NOT EXISTS trace_bridges (
        update_revision INTEGER NOT NULL, bridge_id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (update_revision, bridge_id));
    `);
  }

  /** The sync call for `revision` arrived at `atMs`. */
  notified(revision: number, atMs: number): void {
    // Already applied by an earlier pull: the hop is recorded late, as it happened.
    const done = this.sql.exec("UPDATE trace_keys SET notified_ms = ? WHERE revision = ? AND notified_ms IS NULL", atMs, revision).rowsWritten;
    if (done > 0) return;
    this.pendingNotified.set(revision, atMs);
    if (this.pendingNotified.size > MAX_PENDING_NOTIFICATIONS) this.pendingNotified.delete(this.pendingNotified.keys().next().value!);
  }

  /**
   * One zone update (ending at `updateRevision`) changed these keys, each at
   * its revision; applied and sent at those times (zone clock).
   */
  recordUpdate(updateRevision: number, revisions: ReadonlyMap<string, number>, appliedMs: number, sentMs: number): void {
    const replaced = new Set<number>();
    for (const [key, revision] of revisions) {
      const old = this.sql.exec<{ update_revision: number }>("SELECT update_revision FROM trace_keys WHERE key = ?", key).toArray()[0];
      if (old && old.update_revision !== updateRevision) replaced.add(old.update_revision);
      this.sql.exec(
        `INSERT OR REPLACE INTO trace_keys (key, revision, update_revision, committed_ms, commit_err_ms, notified_ms, applied_ms, sent_ms)
         VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)`,
        key, revision, updateRevision, this.pendingNotified.get(revision) ?? null, appliedMs, sentMs,
      );
    }
    for (const revision of this.pendingNotified.keys()) if (revision <= updateRevision) this.pendingNotified.delete(revision);
    for (const u of replaced) {
      if (this.sql.exec("SELECT 1 FROM trace_keys WHERE update_revision = ? LIMIT 1", u).toArray().length === 0) {
        this.sql.exec("DELETE FROM trace_bridges WHERE update_revision = ?", u);
      }
    }
  }

  /** The API's commit of `revision`, read on the zone's clock, good to +- `uncertaintyMs`. */
  recordCommit(revision: number, committedMs: number, uncertaintyMs: number): void {
    this.sql.exec("UPDATE trace_keys SET committed_ms = ?, commit_err_ms = ? WHERE revision = ?", committedMs, uncertaintyMs, revision);
  }

  /** A bridge's report of an update; kept only while some resource's latest revision came with that update. */
  recordBridge(bridgeId: string, report: TraceReport): void {
    const updateRevision = Number(report.revision);
    if (this.sql.exec("SELECT 1 FROM trace_keys WHERE update_revision = ? LIMIT 1", updateRevision).toArray().length === 0) return;
    const record: BridgeTraceRecord = {
      bridgeId,
      zoneMinusBridgeMs: report.zoneMinusBridgeMs,
      clockRttMs: report.clockRttMs,
      receivedMs: report.receivedMs,
      translatedMs: report.translatedMs,
      publishedMs: report.publishedMs,
      proxiesPushed: report.proxiesPushed,
      proxiesAcked: report.proxiesAcked,
      firstPushMs: report.firstPushMs,
      lastPushMs: report.lastPushMs,
      lastAckMs: report.lastAckMs,
      slowestProxy: report.slowestProxy,
      slowestPushedMs: report.slowestPushedMs,
      slowestAckedMs: report.slowestAckedMs,
    };
    this.sql.exec("INSERT OR REPLACE INTO trace_bridges (update_revision, bridge_id, record) VALUES (?, ?, ?)", updateRevision, bridgeId, JSON.stringify(record));
  }

  /** The trace of `key`'s latest revision as this zone holds it; undefined when the zone never applied it. */
  forKey(key: string): ZoneTraceRecord | undefined {
    const row = this.sql
      .exec<{ revision: number; update_revision: number; committed_ms: number | null; commit_err_ms: number | null; notified_ms: number | null; applied_ms: number; sent_ms: number }>(
        "SELECT revision, update_revision, committed_ms, commit_err_ms, notified_ms, applied_ms, sent_ms FROM trace_keys WHERE key = ?",
        key,
      )
      .toArray()[0];
    if (!row) return undefined;
    const bridges = this.sql
      .exec<{ record: string }>("SELECT record FROM trace_bridges WHERE update_revision = ? ORDER BY bridge_id", row.update_revision)
      .toArray()
      .map((r) => JSON.parse(r.record) as BridgeTraceRecord);
    return {
      revision: row.revision,
      updateRevision: row.update_revision,
      committedMs: row.committed_ms,
      commitUncertaintyMs: row.commit_err_ms,
      notifiedMs: row.notified_ms,
      appliedMs: row.applied_ms,
      sentMs: row.sent_ms,
      bridges,
    };
  }
}
