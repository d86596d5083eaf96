import { clockSample } from "../contract/clock-offset.js";
import type { Env } from "../env.js";
import type { JournalEntry } from "../store/resource-store.js";
import { ZoneRegistry } from "../store/zone-registry.js";

/** Documents (UTF-16 units, about bytes) a notification carries at most; well under an RPC's size limit. */
const PUSHED_ROWS_MAX_BYTES = 1 << 20;

/**
 * The global plane's half of a write: after D1 committed revision N, tell
 * every zone that must see it to pull. Every zone receives every resource;
 * the zones are those declared as Zone resources plus those that ever
 * connected a bridge (src/store/zone-registry.ts).
 *
 * A zone that misses this call (DO busy, network fault) still catches up:
 * its alarm compares its revision with the journal head (src/zone-do).
 *
 * The committed rows travel with the call, so a zone that is exactly one
 * write behind applies them without reading D1 (the common path); any
 * other zone pulls the journal as before. Bundles whose documents exceed
 * PUSHED_ROWS_MAX_BYTES go without rows: the pull pages them.
 *
 * For the revision's trace, each zone is then told when the commit happened
 * on its own clock: the sync call is one clock-offset exchange (our send and
 * return times around the zone's arrival and answer times), so the commit
 * time is converted here, on the link it was measured on, to within half
 * that call's round trip. That report travels after the sync, off the
 * propagation path.
 *
 * @example ctx.waitUntil(notifyZones(env, 42, Date.now(), outcome.journal));
 */
export async function notifyZones(env: Env, revision: number, committedAtMs: number, rows: JournalEntry[] = [], known?: string[]): Promise<string[]> {
  // `known`: the zones the write's own batch read; otherwise one more D1 round trip.
  const zones = known ?? (await new ZoneRegistry(env.DB).names());
  const pushed = rows.reduce((n, r) => n + r.document.length, 0) <= PUSHED_ROWS_MAX_BYTES ? rows : [];
  const results = await Promise.allSettled(
    zones.map(async (z) => {
      const zone = env.ZONES.get(env.ZONES.idFromName(z));
      const sentMs = Date.now();
      const answer = await zone.sync(revision, pushed);
      const clock = clockSample({ sentMs, receivedMs: answer.receivedMs, answeredMs: answer.answeredMs, returnedMs: Date.now() });
      await zone.recordCommit(revision, committedAtMs + clock.offsetMs, clock.rttMs / 2);
    }),
  );
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error(`zone ${zones[i]}: sync(${revision}) failed: ${String(r.reason)}`);
  });
  return zones;
}
