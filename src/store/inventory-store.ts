import { asc, eq, gt, ne, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { EndpointRow, InventoryReport, StoredInventory } from "../contract/endpoint-inventory.js";
import { zoneInventory } from "./d1-schema.js";

/**
 * Each zone's last inventory report (`zone_inventory`). A report is stored
 * only when its sequence is newer than the stored one, so a retried report
 * (its answer was lost) changes nothing: delivery is exactly once.
 *
 * @example if (await new InventoryStore(env.DB).storeIfNewer(report, new Date().toISOString())) wakeOthers();
 */
export class InventoryStore {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /** True when the report was newer than what was stored (and is stored now). */
  async storeIfNewer(report: InventoryReport, at: string): Promise<boolean> {
    const rows = await this.db
      .insert(zoneInventory)
      .values({
        zone: report.zone,
        reportSeq: report.seq,
        workloads: JSON.stringify(report.workloads),
        ingress: report.ingress ? JSON.stringify(report.ingress) : null,
        updatedAt: at,
      })
      .onConflictDoUpdate({
        target: zoneInventory.zone,
        set: {
          reportSeq: sql`excluded.report_seq`,
          workloads: sql`excluded.workloads`,
          ingress: sql`excluded.ingress`,
          updatedAt: sql`excluded.updated_at`,
        },
        setWhere: gt(sql`excluded.report_seq`, zoneInventory.reportSeq),
      })
      .returning({ zone: zoneInventory.zone });
    return rows.length > 0;
  }

  /** Drops `zone`'s report (the zone was deleted). */
  async delete(zone: string): Promise<void> {
    await this.db.delete(zoneInventory).where(eq(zoneInventory.zone, zone));
  }

  /** Every zone's report, by zone name. */
  async all(): Promise<StoredInventory[]> {
    return (await this.db.select().from(zoneInventory).orderBy(asc(zoneInventory.zone))).map(toStored);
  }

  /** Every report but `zone`'s own. */
  async except(zone: string): Promise<StoredInventory[]> {
    return (await this.db.select().from(zoneInventory).where(ne(zoneInventory.zone, zone)).orderBy(asc(zoneInventory.zone))).map(toStored);
  }
}

function toStored(r: typeof zoneInventory.$inferSelect): StoredInventory {
  return {
    zone: r.zone,
    reportSeq: r.reportSeq,
    workloads: JSON.parse(r.workloads) as EndpointRow[],
    ingress: r.ingress ? (JSON.parse(r.ingress) as StoredInventory["ingress"]) : null,
    updatedAt: r.updatedAt,
  };
}
