import type { EndpointRow, InventoryReport } from "../contract/endpoint-inventory.js";
import type { ZoneSpec } from "../contract/resource-types.js";

/**
 * The zone's endpoint layer in its SQLite storage (issue 4): workloads its
 * bridges discovered (per bridge, replaced as a whole set on every report),
 * and workloads other zones reported to the global plane. Versioned by the
 * zone itself, so it keeps changing, and reaching the zone's proxies, while
 * D1 and the global plane are unreachable.
 *
 * Reporting upstream goes through an outbox of one row: the newest inventory
 * and its sequence number. It stays until the global plane stored that
 * sequence; the global plane ignores a sequence it already has, so a retry
 * after a lost answer delivers nothing twice.
 *
 * @example
 * const layer = new EndpointLayer(ctx.storage.sql);
 * if (layer.replaceDiscovered("bridge-1", rows)) broadcast(layer.endpointSet());
 */
export class EndpointLayer {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS discovered (
        bridge_id TEXT NOT NULL, key TEXT NOT NULL, mesh TEXT NOT NULL, name TEXT NOT NULL,
        document TEXT NOT NULL, PRIMARY KEY (bridge_id, key));
      CREATE TABLE IF NOT EXISTS remote (
        zone TEXT NOT NULL, key TEXT NOT NULL, mesh TEXT NOT NULL, name TEXT NOT NULL,
        document TEXT NOT NULL, PRIMARY KEY (zone, key));
      CREATE TABLE IF NOT EXISTS endpoint_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
    `);
  }

  get version(): number {
    return this.meta("version");
  }

  /** Sequence of the inventory waiting in the outbox; 0 when it is empty. */
  get pendingReport(): number {
    return this.meta("outbox_seq");
  }

  /** Replaces what `bridgeId` discovered; true when anything changed. */
  replaceDiscovered(bridgeId: string, rows: EndpointRow[]): boolean {
    const before = this.rowsOf("SELECT key, mesh, name, document FROM discovered WHERE bridge_id = ? ORDER BY key", bridgeId);
    const after = [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (sameRows(before, after)) return false;
    this.sql.exec("DELETE FROM discovered WHERE bridge_id = ?", bridgeId);
    for (const r of after) {
      this.sql.exec("INSERT OR REPLACE INTO discovered (bridge_id, key, mesh, name, document) VALUES (?, ?, ?, ?, ?)", bridgeId, r.key, r.mesh, r.name, r.document);
    }
    this.bump("version");
    this.setMeta("outbox_seq", this.bump("inventory_seq"));
    return true;
  }

  /** Replaces what other zones reported; true when anything changed. */
  replaceRemote(rows: (EndpointRow & { zone: string })[]): boolean {
    const before = this.sql
      .exec<EndpointRow & { zone: string }>("SELECT zone, key, mesh, name, document FROM remote ORDER BY zone, key")
      .toArray();
    const after = [...rows].sort((a, b) => (a.zone + a.key < b.zone + b.key ? -1 : a.zone + a.key > b.zone + b.key ? 1 : 0));
    if (sameRows(before, after)) return false;
    this.sql.exec("DELETE FROM remote");
    for (const r of after) {
      this.sql.exec("INSERT OR REPLACE INTO remote (zone, key, mesh, name, document) VALUES (?, ?, ?, ?, ?)", r.zone, r.key, r.mesh, r.name, r.document);
    }
    this.bump("version");
    return true;
  }

  /** Every workload of the layer; a local one wins over a remote one of the same key. */
  all(): EndpointRow[] {
    return this.rowsOf(`
      SELECT key, mesh, name, document FROM discovered
      UNION ALL
      SELECT key, mesh, name, document FROM remote WHERE key NOT IN (SELECT key FROM discovered)
      ORDER BY key`);
  }

  discovered(): EndpointRow[] {
    return this.rowsOf("SELECT key, mesh, name, document FROM discovered ORDER BY key");
  }

  /** The inventory to report, or undefined when the outbox is empty. */
  outbox(zone: string, ingress: ZoneSpec["ingress"] | null): InventoryReport | undefined {
    const seq = this.pendingReport;
    return seq === 0 ? undefined : { zone, seq, workloads: this.discovered(), ingress };
  }

  /** The global plane stored `seq`: clear the outbox unless a newer report is waiting. */
  delivered(seq: number): void {
    if (this.pendingReport === seq) this.setMeta("outbox_seq", 0);
  }

  /** Forces the current inventory into the outbox (e.g. the zone's ingress changed). */
  queueReport(): void {
    this.setMeta("outbox_seq", this.bump("inventory_seq"));
  }

  private rowsOf(query: string, ...binds: SqlStorageValue[]): EndpointRow[] {
    return this.sql.exec<EndpointRow>(query, ...binds).toArray().map((r) => ({ ...r }));
  }

  private meta(k: string): number {
    return this.sql.exec<{ v: number }>("SELECT v FROM endpoint_meta WHERE k = ?", k).toArray()[0]?.v ?? 0;
  }

  private setMeta(k: string, v: number): void {
    this.sql.exec("INSERT INTO endpoint_meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v", k, v);
  }

  private bump(k: string): number {
    const v = this.meta(k) + 1;
    this.setMeta(k, v);
    return v;
  }
}

function sameRows(a: (EndpointRow & { zone?: string })[], b: (EndpointRow & { zone?: string })[]): boolean {
  const flat = (rows: (EndpointRow & { zone?: string })[]) => JSON.stringify(rows.map((r) => [r.zone ?? "", r.key, r.mesh, r.name, r.document]));
  return a.length === b.length && flat(a) === flat(b);
}
