import { and, desc, eq, lt, or } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { HistoryEntry, HistoryPage } from "../contract/resource-history.js";
import type { Resource, ResourceKey } from "../contract/resource-types.js";
import { journal } from "./d1-schema.js";

export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 500;

/**
 * Reads the history of single resources out of the journal. Every query
 * filters on (kind, mesh, name) and orders by seq, which is exactly the
 * `journal_resource` index, so a page costs one index range scan however long
 * the journal grows.
 *
 * @example
 * const history = new JournalHistory(env.DB);
 * const { items, next } = await history.page({ kind: "Service", mesh: "default", name: "echo" }, { limit: 20 });
 */
export class JournalHistory {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /**
   * The entries of `key` older than `before` (all when omitted), newest first.
   * `limit` is clamped to 1..HISTORY_MAX_LIMIT.
   *
   * @example await history.page(key, { limit: 50, before: 120 })
   */
  async page(key: ResourceKey, opts: { limit?: number; before?: number } = {}): Promise<HistoryPage> {
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? HISTORY_DEFAULT_LIMIT), 1), HISTORY_MAX_LIMIT);
    const where = opts.before === undefined ? keyWhere(key) : and(keyWhere(key), lt(journal.seq, opts.before));
    // One row more than asked tells whether an older page exists without a count.
    const rows = await this.db.select().from(journal).where(where).orderBy(desc(journal.seq)).limit(limit + 1);
    const items = rows.slice(0, limit).map(toEntry);
    const next = rows.length > limit ? items[items.length - 1]!.revision : null;
    return { items, next };
  }

  /**
   * The entry of `key` at exactly `revision`, or undefined when that revision
   * is not a write of this resource (another resource's, or none at all).
   *
   * @example await history.at({ kind: "HTTPRoute", mesh: "default", name: "split" }, 42)
   */
  async at(key: ResourceKey, revision: number): Promise<HistoryEntry | undefined> {
    const rows = await this.db.select().from(journal).where(and(keyWhere(key), eq(journal.seq, revision))).limit(1);
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /**
   * The newest entry of `key`, a delete included; undefined when the resource
   * never existed.
   *
   * @example const head = await history.latest(key); // head?.op === "delete" once deleted
   */
  async latest(key: ResourceKey): Promise<HistoryEntry | undefined> {
    return (await this.page(key, { limit: 1 })).items[0];
  }
}

/**
 * The newest `limit` writes of a mesh (its own resources and the Mesh
 * document itself), newest first. Walks the journal back from its head, so
 * it costs about as many rows as the mesh's share of recent writes.
 *
 * @example await recentOfMesh(env.DB, "default", 100)
 */
export async function recentOfMesh(d1: D1Database, mesh: string, limit: number): Promise<HistoryEntry[]> {
  const rows = await drizzle(d1)
    .select()
    .from(journal)
    .where(or(eq(journal.mesh, mesh), and(eq(journal.kind, "Mesh"), eq(journal.mesh, ""), eq(journal.name, mesh))))
    .orderBy(desc(journal.seq))
    .limit(limit);
  return rows.map(toEntry);
}

function keyWhere(key: ResourceKey) {
  return and(eq(journal.kind, key.kind), eq(journal.mesh, key.mesh), eq(journal.name, key.name));
}

function toEntry(row: typeof journal.$inferSelect): HistoryEntry {
  return {
    revision: row.seq,
    op: row.op === "delete" ? "delete" : "put",
    at: row.at,
    document: JSON.parse(row.document) as Resource,
    by: row.principal,
    source: row.source,
  };
}
