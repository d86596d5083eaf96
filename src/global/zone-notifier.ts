import type { Env } from "../env.js";
import { ZoneRegistry } from "../store/zone-registry.js";

/**
 * The global plane's half of a write: after D1 committed revision N, tell
 * every zone that must see it to pull. Every zone receives every resource;
 * the zones are those declared as Zone resources plus those that ever
 * connected a bridge (src/store/zone-registry.ts).
 *
 * A zone that misses this call (DO busy, network fault) still catches up:
 * its alarm compares its revision with the journal head (src/zone-do).
 *
 * @example ctx.waitUntil(notifyZones(env, 42));
 */
export async function notifyZones(env: Env, revision: number): Promise<string[]> {
  const zones = await new ZoneRegistry(env.DB).names();
  const results = await Promise.allSettled(zones.map((z) => env.ZONES.get(env.ZONES.idFromName(z)).sync(revision)));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error(`zone ${zones[i]}: sync(${revision}) failed: ${String(r.reason)}`);
  });
  return zones;
}
