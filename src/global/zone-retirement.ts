import type { Env } from "../env.js";
import { InventoryStore } from "../store/inventory-store.js";
import { ZoneRegistry } from "../store/zone-registry.js";
import { ZoneTokenStore } from "../store/zone-token-store.js";

/**
 * Everything the planes keep about a zone, gone: it is no longer woken by
 * writes, its inventory stops reaching other zones (they are told), its zone
 * tokens are revoked, and its Durable Object closes its bridges and drops its
 * storage. The Zone resource itself (when declared) is deleted through the
 * journal by the caller first, like any resource.
 *
 * @example await retireZone(env, "west");
 */
export async function retireZone(env: Env, zone: string): Promise<void> {
  const at = new Date().toISOString();
  await new ZoneRegistry(env.DB).forget(zone);
  await new ZoneTokenStore(env.DB).revokeAll(zone, at);
  await new InventoryStore(env.DB).delete(zone);
  await env.ZONES.get(env.ZONES.idFromName(zone)).retire();
  const others = await new ZoneRegistry(env.DB).names();
  await Promise.allSettled(others.map((z) => env.ZONES.get(env.ZONES.idFromName(z)).remoteInventoryChanged()));
}
