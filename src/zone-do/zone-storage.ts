import { EMPTY_CHECKSUM, xorEntry } from "../contract/checksum.js";
import { keyString, type Kind, type ResourceKey } from "../contract/resource-types.js";
import type { JournalEntry } from "../store/resource-store.js";

/** How many change-log rows a zone keeps for resuming bridges with a delta.
 * A bridge further behind than this gets a full snapshot instead. */
export const DEFAULT_CHANGE_LOG_ROWS = 10_000;

// A type alias, not an interface: SqlStorage.exec<T> needs an index-signature-compatible row type.
export type ZoneResourceRow = {
  key: string;
  kind: Kind;
  mesh: string;
  name: string;
  revision: number;
  document: string;
};

export interface ZoneHead {
  revision: number;
  checksum: string;
  /** Deltas can start from any revision >= logFloor. */
  logFloor: number;
}

/**
 * The zone's own state in its Durable Object SQLite storage: the resources it
 * serves, a bounded log of which keys changed at which revision (for deltas
 * to reconnecting bridges), and the head (revision, checksum, log floor).
 * It survives eviction and restarts and needs D1 only to learn new writes.
 *
 * @example
 * const storage = new ZoneStorage(ctx.storage);
 * storage.applyJournal(await store.journalAfter(storage.head().revision, 500));
 */
export class ZoneStorage {
  private readonly sql: SqlStorage;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly changeLogRows = DEFAULT_CHANGE_LOG_ROWS,
  ) {
    this.sql = storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS resources (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, mesh TEXT NOT NULL, name TEXT NOT NULL,
        revision INTEGER NOT NULL, document TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS changes (
        revision INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (revision, key));
    `);
  }

  head(): ZoneHead {
    return {
      revision: Number(this.meta("revision") ?? 0),
      checksum: this.meta("checksum") ?? EMPTY_CHECKSUM,
      logFloor: Number(this.meta("log_floor") ?? 0),
    };
  }

  /** The zone this object serves: learned from the first bridge connection's URL. "" before. */
  zoneName(): string {
    return this.meta("zone") ?? "";
  }

  setZoneName(zone: string): void {
    if (this.meta("zone") !== zone) this.setMeta("zone", zone);
  }

  meta(k: string): string | undefined {
    const rows = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray();
    return rows[0]?.v;
  }

  setMeta(k: string, v: string): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v", k, v);
  }

  /**
   * Applies journal entries in one storage transaction and returns the keys
   * they changed. Entries at or below the current revision are skipped, so a
   * repeated pull is harmless.
   */
  applyJournal(entries: JournalEntry[]): string[] {
    const changed = new Set<string>();
    this.storage.transactionSync(() => {
      let { revision, checksum } = this.head();
      for (const e of entries) {
        if (e.seq <= revision) continue;
        const rk: ResourceKey = { kind: e.kind, mesh: e.mesh, name: e.name };
        const key = keyString(rk);
        const old = this.sql.exec<{ revision: number }>("SELECT revision FROM resources WHERE key = ?", key).toArray()[0];
        if (old) checksum = xorEntry(checksum, rk, old.revision);
        if (e.op === "put") {
          this.sql.exec(
            `INSERT INTO resources (key, kind, mesh, name, revision, document) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(key) DO UPDATE SET revision = excluded.revision, document = excluded.document`,
            key, e.kind, e.mesh, e.name, e.seq, e.document,
          );
          checksum = xorEntry(checksum, rk, e.seq);
        } else {
          this.sql.exec("DELETE FROM resources WHERE key = ?", key);
        }
        this.sql.exec("INSERT OR REPLACE INTO changes (revision, key) VALUES (?, ?)", e.seq, key);
        changed.add(key);
        revision = e.seq;
      }
      this.setMeta("revision", String(revision));
      this.setMeta("checksum", checksum);
      this.trimChangeLog();
    });
    return [...changed];
  }

  /** Every resource the zone holds, for a full snapshot. */
  allResources(): ZoneResourceRow[] {
    return this.sql.exec<ZoneResourceRow>("SELECT key, kind, mesh, name, revision, document FROM resources ORDER BY key").toArray();
  }

  /** The resources of one kind in one mesh (mesh "" for global kinds). */
  ofKind(kind: Kind, mesh: string): ZoneResourceRow[] {
    return this.sql
      .exec<ZoneResourceRow>("SELECT key, kind, mesh, name, revision, document FROM resources WHERE kind = ? AND mesh = ? ORDER BY key", kind, mesh)
      .toArray();
  }

  /** Resources for `keys`; keys with no row were deleted. */
  resourcesFor(keys: string[]): { upserts: ZoneResourceRow[]; removals: string[] } {
    const upserts: ZoneResourceRow[] = [];
    const removals: string[] = [];
    for (const key of keys) {
      const row = this.sql
        .exec<ZoneResourceRow>("SELECT key, kind, mesh, name, revision, document FROM resources WHERE key = ?", key)
        .toArray()[0];
      if (row) upserts.push(row);
      else removals.push(key);
    }
    return { upserts, removals };
  }

  /**
   * Keys changed after `from`, or undefined when the log no longer reaches
   * back that far (the caller then sends a snapshot).
   */
  changedSince(from: number): string[] | undefined {
    const { revision, logFloor } = this.head();
    if (from < logFloor || from > revision) return undefined;
    return this.sql
      .exec<{ key: string }>("SELECT DISTINCT key FROM changes WHERE revision > ? ORDER BY key", from)
      .toArray()
      .map((r) => r.key);
  }

  private trimChangeLog(): void {
    const cut = this.sql
      .exec<{ revision: number }>("SELECT revision FROM changes ORDER BY revision DESC LIMIT 1 OFFSET ?", this.changeLogRows)
      .toArray()[0];
    if (!cut) return;
    this.sql.exec("DELETE FROM changes WHERE revision <= ?", cut.revision);
    this.setMeta("log_floor", String(cut.revision));
  }
}
