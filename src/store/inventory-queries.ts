import { asc } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { zoneInventory } from "./d1-schema.js";

export interface InventoryRow {
  zone: string;
  reportSeq: number;
  workloads: { key: string; mesh: string; name: string; document: string }[];
  ingress: { address: string; port: number } | null;
  updatedAt: string;
}

/** Every zone's last reported inventory, by zone name. */
export async function zoneInventoryRows(d1: D1Database): Promise<InventoryRow[]> {
  const rows = await drizzle(d1).select().from(zoneInventory).orderBy(asc(zoneInventory.zone));
  return rows.map((r) => ({
    zone: r.zone,
    reportSeq: r.reportSeq,
    workloads: JSON.parse(r.workloads) as InventoryRow["workloads"],
    ingress: r.ingress ? (JSON.parse(r.ingress) as InventoryRow["ingress"]) : null,
    updatedAt: r.updatedAt,
  }));
}
