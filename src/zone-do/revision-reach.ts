import type { RevisionReach } from "../contract/propagation.js";
import type { RowSelection } from "./proxy-status-table.js";

/**
 * Groups kept. A group is every step of one mesh from one revision to
 * another, however many proxies took it: a zone whose proxies move together
 * adds one per revision (per mesh), so this is the last ~20,000 revisions
 * there; proxies that straggle (each head its own from_rev) use more.
 */
const MAX_GROUPS = 20_000;

/**
 * When each proxy reached each revision, so the propagation of old revisions
 * can still be told after newer ones followed (proxy_status keeps only the
 * latest answer per type). A proxy reaches R when every xDS type it
 * reported is ACKed at R or later with nothing held back (the same rule as
 * rollout-status.ts); one report can take it over many revisions at once,
 * so a proxy's move is a step: every revision in (from_rev, to_rev] was
 * reached at at_ms. A step starts no earlier than the revision the proxy
 * joined at: a proxy that connected after a write was not brought to it. A
 * proxy that refused R takes no step until it runs everything again, so R
 * counts as reached when the fix is ACKed: the time a user waited for R to
 * be in force everywhere, refusal included. Where each proxy got to (its
 * head) is kept per proxy, in proxy_reach_head.
 *
 * Steps are stored grouped, one row per (mesh, from_rev, to_rev) with how
 * many proxies took it and the latest at_ms: all that `of()` needs, and a
 * CurrentAt that moves 1,000 proxies together writes one row, not 1,000.
 * The groups are computed in SQL from proxy_status, so no row of it becomes
 * a JS object here.
 *
 * @example
 * reach.record(namedProxies(["p1", "p2"])); // after each status report
 * reach.of("default", [41, 42]) // [{ revision: 41, proxies: 3, lastAckMs: ... }, ...]
 */
export class RevisionReachTable {
  constructor(
    private readonly sql: SqlStorage,
    /** Groups kept (tests make it small). */
    private readonly maxGroups = MAX_GROUPS,
  ) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS proxy_reach_head (proxy_id TEXT PRIMARY KEY, revision INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS proxy_reach_groups (
        id INTEGER PRIMARY KEY, mesh TEXT NOT NULL, from_rev INTEGER NOT NULL, to_rev INTEGER NOT NULL,
        proxies INTEGER NOT NULL, at_ms INTEGER NOT NULL, UNIQUE (mesh, from_rev, to_rev));
      CREATE INDEX IF NOT EXISTS proxy_reach_groups_mesh ON proxy_reach_groups (mesh, to_rev);
    `);
    // (No AUTOINCREMENT: SQLite spends one of its ids on every upsert that only updates, and trimming counts ids.)
    this.convertPerProxySteps();
  }

  /**
   * Zones from before grouping kept one row per proxy's step (proxy_reach):
   * they become groups, oldest first, and the old table goes. Derived data
   * only (nothing a user stored); the statements run in the constructor's
   * one synchronous turn, which the runtime commits as one transaction.
   */
  private convertPerProxySteps(): void {
    if (this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'proxy_reach'").toArray().length === 0) return;
    this.sql.exec(
      `INSERT INTO proxy_reach_groups (mesh, from_rev, to_rev, proxies, at_ms)
       SELECT mesh, from_rev, to_rev, count(*), max(at_ms) FROM proxy_reach WHERE true GROUP BY mesh, from_rev, to_rev ORDER BY min(id)
       ON CONFLICT (mesh, from_rev, to_rev) DO UPDATE SET proxies = proxies + excluded.proxies, at_ms = max(at_ms, excluded.at_ms)`,
    );
    this.sql.exec("DROP TABLE proxy_reach");
    this.trim();
  }

  /**
   * Records the steps the proxies of `selection` (proxy_status rows: each
   * proxy with a row there counts, with all its rows) took since they were
   * last seen here. Two statements however many proxies the report named:
   * the groups from the heads, then the heads.
   */
  record(selection: RowSelection): void {
    // Per concerned proxy: where it is now (its lowest type, if every type is ACKed and none held),
    // the latest of its answers, its mesh and join revision (of its first type row, as ProxyRow reads
    // them), and where it was (its head).
    const moved = `
      WITH concerned AS MATERIALIZED (SELECT DISTINCT proxy_id FROM proxy_status WHERE ${selection.where}),
      first AS (SELECT proxy_id, min(type_url), mesh, joined_revision FROM proxy_status WHERE proxy_id IN concerned GROUP BY proxy_id),
      reached AS (
        SELECT proxy_id, min(revision) AS rev, max(at_ms) AS at FROM proxy_status WHERE proxy_id IN concerned
        GROUP BY proxy_id HAVING sum(state <> 'ACK' OR held_revision > 0) = 0),
      moved AS (
        SELECT r.proxy_id, f.mesh, r.rev, r.at, max(coalesce(h.revision, 0), f.joined_revision) AS from_rev
        FROM reached r JOIN first f ON f.proxy_id = r.proxy_id LEFT JOIN proxy_reach_head h ON h.proxy_id = r.proxy_id
        WHERE r.rev > coalesce(h.revision, 0))`;
    this.sql.exec(
      `${moved}
       INSERT INTO proxy_reach_groups (mesh, from_rev, to_rev, proxies, at_ms)
       SELECT mesh, from_rev, rev, count(*), max(at) FROM moved WHERE rev > from_rev GROUP BY mesh, from_rev, rev
       ON CONFLICT (mesh, from_rev, to_rev) DO UPDATE SET proxies = proxies + excluded.proxies, at_ms = max(at_ms, excluded.at_ms)`,
      ...selection.binds,
    );
    // Heads move also where no step was taken (a proxy that joined at the revision it reached).
    // "WHERE true" is SQLite's way to tell an upsert's ON CONFLICT from a join in INSERT ... SELECT.
    this.sql.exec(
      `${moved}
       INSERT INTO proxy_reach_head (proxy_id, revision) SELECT proxy_id, rev FROM moved WHERE true
       ON CONFLICT(proxy_id) DO UPDATE SET revision = excluded.revision`,
      ...selection.binds,
    );
    this.trim();
  }

  /** Keeps the newest `maxGroups` groups (by when the group was first written). */
  private trim(): void {
    this.sql.exec("DELETE FROM proxy_reach_groups WHERE id <= (SELECT max(id) FROM proxy_reach_groups) - ?", this.maxGroups);
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
    return this.sql
      .exec<{ revision: number; proxies: number; last: number }>(
        `SELECT r.value AS revision, sum(g.proxies) AS proxies, max(g.at_ms) AS last
         FROM json_each(?) r JOIN proxy_reach_groups g ON g.mesh = ? AND g.to_rev >= r.value AND g.from_rev < r.value
         GROUP BY r.key ORDER BY r.key`,
        JSON.stringify(revisions), mesh,
      )
      .toArray()
      .map((r) => ({ revision: r.revision, proxies: r.proxies, lastAckMs: r.last }));
  }
}
