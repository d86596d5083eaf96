import { and, asc, eq, isNull } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { zoneTokens } from "./d1-schema.js";

/** A zone token as D1 keeps it: its hash, never the token. Times are ISO 8601. */
export interface ZoneTokenRecord {
  id: string;
  zone: string;
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/**
 * The `zone_tokens` table: issued tokens by id, per zone, and their
 * revocation. Revoking twice keeps the first revocation time.
 *
 * @example
 * const tokens = new ZoneTokenStore(env.DB);
 * await tokens.insert({ id, zone: "west", tokenHash, createdAt, expiresAt, revokedAt: null });
 * await tokens.revoke("west", id, new Date().toISOString());
 */
export class ZoneTokenStore {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  async insert(record: ZoneTokenRecord): Promise<void> {
    await this.db.insert(zoneTokens).values(record);
  }

  async find(id: string): Promise<ZoneTokenRecord | undefined> {
    const rows = await this.db.select().from(zoneTokens).where(eq(zoneTokens.id, id)).limit(1);
    return rows[0];
  }

  /** The zone's tokens, oldest first. */
  async list(zone: string): Promise<ZoneTokenRecord[]> {
    return this.db.select().from(zoneTokens).where(eq(zoneTokens.zone, zone)).orderBy(asc(zoneTokens.createdAt), asc(zoneTokens.id));
  }

  /** Revokes every token of `zone` not revoked yet; returns their ids. */
  async revokeAll(zone: string, at: string): Promise<string[]> {
    const rows = await this.db
      .update(zoneTokens)
      .set({ revokedAt: at })
      .where(and(eq(zoneTokens.zone, zone), isNull(zoneTokens.revokedAt)))
      .returning({ id: zoneTokens.id });
    return rows.map((r) => r.id);
  }

  /** Marks the token revoked (once) and returns it; undefined when `zone` has no such token. */
  async revoke(zone: string, id: string, at: string): Promise<ZoneTokenRecord | undefined> {
    const mine = and(eq(zoneTokens.id, id), eq(zoneTokens.zone, zone));
    await this.db
      .update(zoneTokens)
      .set({ revokedAt: at })
      .where(and(mine, isNull(zoneTokens.revokedAt)));
    const rows = await this.db.select().from(zoneTokens).where(mine).limit(1);
    return rows[0];
  }
}
