import type { BridgeRow, ProxyRow } from "../contract/zone-status.js";
import { AckState, type CurrentAt, type StatusReport } from "../contract/zone-protocol/zone_pb.js";

/**
 * Which proxies a report concerned, as a condition on proxy_status rows and
 * its parameters, so what follows the report (revision-reach.ts) reads them
 * in SQL rather than from rows brought into JS.
 */
export interface RowSelection {
  where: string;
  binds: SqlStorageValue[];
}

/** The proxies a StatusReport named. One bound JSON array, not one parameter per id: storage caps the parameters of a statement. */
export function namedProxies(ids: readonly string[]): RowSelection {
  return { where: "proxy_id IN (SELECT value FROM json_each(?))", binds: [JSON.stringify(ids)] };
}

type CurrentRows = Pick<CurrentAt, "revision" | "mesh" | "atMs" | "proxyIds" | "allExcept">;

/** The rows a CurrentAt from socket `socketEpoch` of `bridgeId` stands for (ProxyStatusTable.recordCurrent). */
export function currentRows(bridgeId: string, socketEpoch: number, current: Omit<CurrentRows, "revision" | "atMs">): RowSelection {
  return {
    where: `bridge_id = ? AND socket_epoch = ? AND connected = 1 AND mesh = ? AND proxy_id ${current.allExcept ? "NOT IN" : "IN"} (SELECT value FROM json_each(?))`,
    binds: [bridgeId, socketEpoch, current.mesh, JSON.stringify(current.proxyIds)],
  };
}

/**
 * What the zone knows about its bridges and their proxies, in the zone's
 * SQLite storage: per proxy and xDS type the last ACK or NACK (with Envoy's
 * error_detail) and the revision it concerned. Proxies of a bridge that went
 * away stay listed as not connected ("stale") rather than vanishing.
 *
 * @example table.recordReport("bridge-1", report, Date.now());
 */
export class ProxyStatusTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS bridges (
        bridge_id TEXT PRIMARY KEY, connected INTEGER NOT NULL, connected_at_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL, revision_applied INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS proxy_status (
        proxy_id TEXT NOT NULL, type_url TEXT NOT NULL, mesh TEXT NOT NULL, bridge_id TEXT NOT NULL,
        state TEXT NOT NULL, revision INTEGER NOT NULL, error_detail TEXT NOT NULL, at_ms INTEGER NOT NULL,
        connected INTEGER NOT NULL, PRIMARY KEY (proxy_id, type_url));
    `);
    // Columns added after the first release; zones created before get them here.
    for (const column of [
      "held_revision INTEGER NOT NULL DEFAULT 0",
      "held_error TEXT NOT NULL DEFAULT ''",
      "connected_at_ms INTEGER NOT NULL DEFAULT 0",
      "disconnected_at_ms INTEGER NOT NULL DEFAULT 0",
      "joined_revision INTEGER NOT NULL DEFAULT 0",
      "workload TEXT NOT NULL DEFAULT ''",
      "service TEXT NOT NULL DEFAULT ''",
      // Which socket of the bridge last reported the row (its acceptedAtMs): a CurrentAt concerns only those rows.
      "socket_epoch INTEGER NOT NULL DEFAULT 0",
    ]) {
      try {
        sql.exec(`ALTER TABLE proxy_status ADD COLUMN ${column}`);
      } catch {
        // already there
      }
    }
  }

  bridgeConnected(bridgeId: string, nowMs: number): void {
    this.sql.exec(
      `INSERT INTO bridges (bridge_id, connected, connected_at_ms, last_seen_ms) VALUES (?, 1, ?, ?)
       ON CONFLICT(bridge_id) DO UPDATE SET connected = 1, connected_at_ms = excluded.connected_at_ms, last_seen_ms = excluded.last_seen_ms`,
      bridgeId, nowMs, nowMs,
    );
  }

  bridgeDisconnected(bridgeId: string, nowMs: number): void {
    this.sql.exec("UPDATE bridges SET connected = 0, last_seen_ms = ? WHERE bridge_id = ?", nowMs, bridgeId);
    this.sql.exec("UPDATE proxy_status SET connected = 0, disconnected_at_ms = ? WHERE bridge_id = ? AND connected = 1", nowMs, bridgeId);
  }

  /**
   * Forgets proxies that went away more than `retentionMs` ago (rows from
   * before disconnection times were kept count from their last report).
   */
  expire(nowMs: number, retentionMs: number): void {
    const cut = nowMs - retentionMs;
    this.sql.exec(
      "DELETE FROM proxy_status WHERE connected = 0 AND ((disconnected_at_ms > 0 AND disconnected_at_ms < ?) OR (disconnected_at_ms = 0 AND at_ms < ?))",
      cut,
      cut,
    );
    this.sql.exec("DELETE FROM bridges WHERE connected = 0 AND last_seen_ms < ? AND bridge_id NOT IN (SELECT bridge_id FROM proxy_status)", cut);
  }

  bridgeApplied(bridgeId: string, revision: number, nowMs: number): void {
    this.sql.exec("UPDATE bridges SET revision_applied = ?, last_seen_ms = ? WHERE bridge_id = ?", revision, nowMs, bridgeId);
  }

  /** `socketEpoch` names the socket the report came on, for the CurrentAt that may follow on it (recordCurrent). */
  recordReport(bridgeId: string, report: StatusReport, nowMs: number, socketEpoch = 0): void {
    // One statement for the whole report (a report names up to thousands of rows), its rows as one
    // JSON array of arrays; applied in order, so a row named twice ends as its last mention.
    const rows = report.proxies.map((p) => [
      p.proxyId, p.typeUrl, p.mesh, p.state === AckState.NACK ? "NACK" : "ACK", Number(p.revision), p.errorDetail, Number(p.atMs),
      Number(p.heldRevision), p.heldError, Number(p.joinedRevision), p.workload, p.service,
    ]);
    if (rows.length > 0) {
      this.sql.exec(
        `INSERT INTO proxy_status (proxy_id, type_url, mesh, bridge_id, state, revision, error_detail, at_ms, connected, held_revision, held_error,
           connected_at_ms, disconnected_at_ms, joined_revision, workload, service, socket_epoch)
         SELECT value ->> 0, value ->> 1, value ->> 2, ?, value ->> 3, value ->> 4, value ->> 5, value ->> 6, 1, value ->> 7, value ->> 8,
           ?, 0, value ->> 9, value ->> 10, value ->> 11, ? FROM json_each(?) WHERE true
         ON CONFLICT(proxy_id, type_url) DO UPDATE SET mesh = excluded.mesh, bridge_id = excluded.bridge_id,
           state = excluded.state, revision = excluded.revision, error_detail = excluded.error_detail,
           at_ms = excluded.at_ms, held_revision = excluded.held_revision, held_error = excluded.held_error,
           connected_at_ms = CASE WHEN proxy_status.connected = 1 AND proxy_status.connected_at_ms > 0
             THEN proxy_status.connected_at_ms ELSE excluded.connected_at_ms END,
           connected = 1, disconnected_at_ms = 0, joined_revision = excluded.joined_revision, workload = excluded.workload,
           service = excluded.service, socket_epoch = excluded.socket_epoch`,
        bridgeId, nowMs, socketEpoch, JSON.stringify(rows),
      );
    }
    if (report.disconnected.length > 0) {
      this.sql.exec(
        "UPDATE proxy_status SET connected = 0, disconnected_at_ms = ? WHERE proxy_id IN (SELECT value FROM json_each(?)) AND bridge_id = ? AND connected = 1",
        nowMs, JSON.stringify(report.disconnected), bridgeId,
      );
    }
    this.sql.exec("UPDATE bridges SET last_seen_ms = ? WHERE bridge_id = ?", nowMs, bridgeId);
  }

  /**
   * Applies a CurrentAt from socket `socketEpoch` of `bridgeId`: the rows it
   * stands for become what their ProxyStatus rows would have made them (ACK
   * at its revision, no error, nothing held; the rest of a row cannot have
   * changed, or the bridge would have sent ProxyStatus). One statement for
   * the proxy rows however many proxies it names or leaves out. Returns the
   * rows it set, for events (revision reach reads them by currentRows).
   *
   * @example table.recordCurrent("bridge-1", att.acceptedAtMs, { revision: 42n, mesh: "default", atMs, proxyIds: [], allExcept: true }, Date.now())
   */
  recordCurrent(bridgeId: string, socketEpoch: number, current: CurrentRows, nowMs: number): { proxyId: string; typeUrl: string }[] {
    const rowsOf = currentRows(bridgeId, socketEpoch, current);
    const rows = this.sql
      .exec<{ proxy_id: string; type_url: string }>(
        `UPDATE proxy_status SET state = 'ACK', revision = ?, error_detail = '', at_ms = ?, held_revision = 0, held_error = ''
         WHERE ${rowsOf.where} RETURNING proxy_id, type_url`,
        Number(current.revision), Number(current.atMs), ...rowsOf.binds,
      )
      .toArray();
    this.sql.exec("UPDATE bridges SET last_seen_ms = ? WHERE bridge_id = ?", nowMs, bridgeId);
    return rows.map((r) => ({ proxyId: r.proxy_id, typeUrl: r.type_url }));
  }

  bridges(): BridgeRow[] {
    return this.sql
      .exec<{ bridge_id: string; connected: number; connected_at_ms: number; last_seen_ms: number; revision_applied: number }>(
        "SELECT * FROM bridges ORDER BY bridge_id",
      )
      .toArray()
      .map((r) => ({
        bridgeId: r.bridge_id,
        connected: r.connected === 1,
        connectedAtMs: r.connected_at_ms,
        lastSeenMs: r.last_seen_ms,
        revisionApplied: r.revision_applied,
      }));
  }

  /**
   * Every proxy, or only those of `ids` (the ones a report named). SQLite
   * builds each proxy as one JSON text: a zone of 1,000 proxies has 4,000
   * rows, and turning each into a JS object was most of the zone's CPU on
   * every status call (the bench's profile of workerd). One text per proxy,
   * not one for all: storage caps a string's length (SQLITE_TOOBIG at
   * 10,000 proxies). A proxy's own fields come from its first row by type;
   * its connection is as old as its oldest row's (the earliest positive
   * connected_at_ms).
   */
  proxies(ids?: string[]): ProxyRow[] {
    // One bound JSON array, not one parameter per id: storage caps the parameters of a statement.
    const where = ids === undefined ? "" : "WHERE proxy_id IN (SELECT value FROM json_each(?1))";
    const binds = ids === undefined ? [] : [JSON.stringify(ids)];
    return this.sql
      .exec<{ p: string }>(
        `SELECT json_object(
             'proxyId', f.proxy_id, 'mesh', f.mesh, 'bridgeId', f.bridge_id,
             'connected', json(iif(f.connected = 1, 'true', 'false')),
             'connectedAtMs', coalesce(g.first_connected, f.connected_at_ms),
             'disconnectedAtMs', iif(f.connected = 1, 0, iif(f.disconnected_at_ms != 0, f.disconnected_at_ms, f.at_ms)),
             'joinedRevision', f.joined_revision, 'workload', f.workload, 'service', f.service,
             'types', json(g.types)) AS p
           FROM (
             SELECT proxy_id, min(type_url) AS first_type,
               min(iif(connected_at_ms > 0, connected_at_ms, NULL)) AS first_connected,
               json_group_array(json_object('typeUrl', type_url, 'state', state, 'revision', revision, 'errorDetail', error_detail,
                 'atMs', at_ms, 'heldRevision', held_revision, 'heldError', held_error) ORDER BY type_url) AS types
             FROM proxy_status ${where} GROUP BY proxy_id
           ) g JOIN proxy_status f ON f.proxy_id = g.proxy_id AND f.type_url = g.first_type
           ORDER BY g.proxy_id`,
        ...binds,
      )
      .toArray()
      .map((r) => JSON.parse(r.p) as ProxyRow);
  }
}
