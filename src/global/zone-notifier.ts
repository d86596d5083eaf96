import { clockSample } from "../contract/clock-offset.js";
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
 * For the revision's trace, each zone is then told when the commit happened
 * on its own clock: the sync call is one clock-offset exchange (our send and
 * return times around the zone's arrival and answer times), so the commit
 * time is converted here, on the link it was measured on, to within half
 * that call's round trip. That report travels after the sync, off the
 * propagation path.
 *
 * @example ctx.waitUntil(notifyZones(env, 42, Date.now()));
 */
export async function notifyZones(env: Env, revision: number, committedAtMs: number): Promise<string[]> {
  const zones = await new ZoneRegistry(env.DB).names();
  const results = await Promise.allSettled(
    zones.map(async (z) => {
      const zone = env.ZONES.get(env.ZONES.idFromName(z));
      const sentMs = Date.now();
      const answer = await zone.sync(revision);
      const clock = clockSample({ sentMs, receivedMs: answer.receivedMs, answeredMs: answer.answeredMs, returnedMs: Date.now() });
      await zone.recordCommit(revision, committedAtMs + clock.offsetMs, clock.rttMs / 2);
    }),
  );
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error(`zone ${zones[i]}: sync(${revision}) failed: ${String(r.reason)}`);
  });
  return zones;
}
