import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env.js";
import { zonesSeen } from "../store/d1-schema.js";

/**
 * The global plane's half of a write: after D1 committed revision N, tell
 * every zone that must see it to pull. Today every zone receives every
 * resource (issue 4 narrows this by zone); the zones are those declared as
 * Zone resources plus those that ever connected a bridge.
 *
 * A zone that misses this call (DO busy, network fault) still catches up:
 * its alarm compares its revision with the journal head (zone-object.ts).
 *
 * @example ctx.waitUntil(notifyZones(env, 42));
 */
export async function notifyZones(env: Env, revision: number): Promise<string[]> {
  const zones = await zonesToNotify(env.DB);
  const results = await Promise.allSettled(zones.map((z) => env.ZONES.get(env.ZONES.idFromName(z)).sync(revision)));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error(`zone ${zones[i]}: sync(${revision}) failed: ${String(r.reason)}`);
  });
  return zones;
}

export async function zonesToNotify(d1: D1Database): Promise<string[]> {
  const rows = await drizzle(d1).all<{ name: string }>(
    sql`SELECT name FROM zones_seen UNION SELECT name FROM resources WHERE kind = 'Zone' AND mesh = ''`,
  );
  return rows.map((r) => r.name).sort();
}

/** Remembers that a bridge connected to `zone`, so later writes wake it. */
export async function recordZoneSeen(d1: D1Database, zone: string): Promise<void> {
  await drizzle(d1)
    .insert(zonesSeen)
    .values({ name: zone, lastConnectAt: new Date().toISOString() })
    .onConflictDoUpdate({ target: zonesSeen.name, set: { lastConnectAt: sql`excluded.last_connect_at` } });
}
