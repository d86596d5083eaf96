import { and, eq, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { resources, zonesSeen } from "./d1-schema.js";

/**
 * Which zones exist for the global plane: those declared as Zone resources
 * and those a bridge ever connected to (`zones_seen`). Writes wake these.
 *
 * @example const zones = await new ZoneRegistry(env.DB).names();
 */
export class ZoneRegistry {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /** Declared or seen zones, sorted. */
  async names(): Promise<string[]> {
    return (await zoneNamesQuery(this.db)).map((r) => r.name).sort();
  }

  /** Whether a bridge ever connected to `zone` (declared or not). */
  async isSeen(zone: string): Promise<boolean> {
    return (await this.db.select({ name: zonesSeen.name }).from(zonesSeen).where(eq(zonesSeen.name, zone)).limit(1)).length > 0;
  }

  /** Forgets that `zone` was seen (the zone was deleted). */
  async forget(zone: string): Promise<void> {
    await this.db.delete(zonesSeen).where(eq(zonesSeen.name, zone));
  }

  /** Remembers that a bridge connected to `zone`, so later writes wake it. */
  async recordSeen(zone: string, at: string): Promise<void> {
    await this.db
      .insert(zonesSeen)
      .values({ name: zone, lastConnectAt: at })
      .onConflictDoUpdate({ target: zonesSeen.name, set: { lastConnectAt: sql`excluded.last_connect_at` } });
  }
}

/**
 * The zones' names as a query a D1 batch can carry: a write reads whom to
 * wake in its own batch (resource-store.ts putInOneBatch), so waking the
 * zones costs no round trip after the commit. Unsorted, one row per zone.
 */
export function zoneNamesQuery(db: DrizzleD1Database) {
  return db
    .select({ name: zonesSeen.name })
    .from(zonesSeen)
    .union(db.select({ name: resources.name }).from(resources).where(and(eq(resources.kind, "Zone"), eq(resources.mesh, ""))));
}
