import type { RevisionReach } from "../contract/propagation.js";
import type { ProxyRow } from "../contract/zone-status.js";

/** Rows kept: each is one proxy's step forward, so this covers the last thousands of revisions of a busy zone. */
const MAX_STEPS = 20_000;

/**
 * When each proxy reached each revision, so the propagation of old revisions
 * can still be told after newer ones followed (proxy_status keeps only the
 * latest answer per type). A proxy reaches R when every xDS type it
 * reported is ACKed at R or later with nothing held back (the same rule as
 * rollout-status.ts); one report can take it over many revisions at once,
 * so a row is a step: every revision in (from_rev, to_rev] was reached at
 * at_ms. A step starts no earlier than the revision the proxy joined at:
 * a proxy that connected after a write was not brought to it. A proxy that
 * refused R takes no step until it runs everything again, so R counts as
 * reached when the fix is ACKed: the time a user waited for R to be in
 * force everywhere, refusal included.
 *
 * @example
 * reach.record(table.proxies()); // after each status report
 * reach.of("default", [41, 42]) // [{ revision: 41, proxies: 3, lastAckMs: ... }, ...]
 */
export class RevisionReachTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS proxy_reach_head (proxy_id TEXT PRIMARY KEY, revision INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS proxy_reach (
        id INTEGER PRIMARY KEY AUTOINCREMENT, mesh TEXT NOT NULL, proxy_id TEXT NOT NULL,
        from_rev INTEGER NOT NULL, to_rev INTEGER NOT NULL, at_ms INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS proxy_reach_mesh ON proxy_reach (mesh, to_rev);
    `);
  }

  /**
   * Records the steps the proxies in `rows` took since they were last seen
   * here. A report can name thousands of proxies, so this is a fixed number
   * of statements (rows travel as one JSON array), not a few per proxy.
   */
  record(rows: ProxyRow[]): void {
    const reached = rows.map((p) => ({ p, revision: reachedRevision(p) })).filter((r) => r.revision > 0);
    if (reached.length === 0) return;
    const ids = JSON.stringify(reached.map((r) => r.p.proxyId));
    const heads = new Map(
      this.sql
        .exec<{ proxy_id: string; revision: number }>("SELECT proxy_id, revision FROM proxy_reach_head WHERE proxy_id IN (SELECT value FROM json_each(?))", ids)
        .toArray()
        .map((h) => [h.proxy_id, h.revision]),
    );
    const steps: { m: string; p: string; f: number; t: number; a: number }[] = [];
    const moved: { p: string; r: number }[] = [];
    for (const { p, revision } of reached) {
      const head = heads.get(p.proxyId) ?? 0;
      if (revision <= head) continue;
      const from = Math.max(head, p.joinedRevision);
      if (revision > from) steps.push({ m: p.mesh, p: p.proxyId, f: from, t: revision, a: Math.max(...p.types.map((t) => t.atMs)) });
      moved.push({ p: p.proxyId, r: revision });
    }
    if (steps.length > 0) {
      this.sql.exec(
        `INSERT INTO proxy_reach (mesh, proxy_id, from_rev, to_rev, at_ms)
         SELECT json_extract(value, '$.m'), json_extract(value, '$.p'), json_extract(value, '$.f'), json_extract(value, '$.t'), json_extract(value, '$.a') FROM json_each(?)`,
        JSON.stringify(steps),
      );
      this.sql.exec("DELETE FROM proxy_reach WHERE id <= (SELECT max(id) FROM proxy_reach) - ?", MAX_STEPS);
    }
    if (moved.length > 0) {
      // "WHERE true" is SQLite's way to tell an upsert's ON CONFLICT from a join in INSERT ... SELECT.
      this.sql.exec(
        `INSERT INTO proxy_reach_head (proxy_id, revision)
         SELECT json_extract(value, '$.p'), json_extract(value, '$.r') FROM json_each(?) WHERE true
         ON CONFLICT(proxy_id) DO UPDATE SET revision = excluded.revision`,
        JSON.stringify(moved),
      );
    }
  }

  /**
   * Forgets the heads of proxies the zone no longer lists (their steps stay
   * until pushed out). proxy_status (proxy-status-table.ts, the same storage)
   * is that list; one statement, so a zone of many proxies pays no round trip per row.
   */
  forgetGone(): void {
    this.sql.exec("DELETE FROM proxy_reach_head WHERE proxy_id NOT IN (SELECT proxy_id FROM proxy_status)");
  }

  /** For each of `revisions`, the proxies of `mesh` that reached it and when the last one did; revisions no proxy reached are left out. */
  of(mesh: string, revisions: number[]): RevisionReach[] {
    if (revisions.length === 0) return [];
    const lowest = Math.min(...revisions);
    const steps = this.sql
      .exec<{ from_rev: number; to_rev: number; at_ms: number }>("SELECT from_rev, to_rev, at_ms FROM proxy_reach WHERE mesh = ? AND to_rev >= ?", mesh, lowest)
      .toArray();
    const out: RevisionReach[] = [];
    for (const revision of revisions) {
      const covering = steps.filter((s) => s.from_rev < revision && revision <= s.to_rev);
      if (covering.length > 0) out.push({ revision, proxies: covering.length, lastAckMs: Math.max(...covering.map((s) => s.at_ms)) });
    }
    return out;
  }
}

/** The revision a proxy runs everything of: its lowest ACKed type; 0 while a type is refused or held back. */
function reachedRevision(p: ProxyRow): number {
  if (p.types.length === 0 || p.types.some((t) => t.state !== "ACK" || t.heldRevision > 0)) return 0;
  return Math.min(...p.types.map((t) => t.revision));
}
