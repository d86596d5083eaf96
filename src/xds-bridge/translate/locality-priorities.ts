import type { LocalityPolicy } from "../../contract/resource-types.js";
import { compareStrings } from "./compare.js";

export interface ZoneHealth {
  zone: string;
  /** Healthy instances in the zone (endpoint weights summed). */
  healthy: number;
}

/**
 * Which EDS priority each zone's endpoints get, seen from a proxy in
 * `localZone` (shared/design.md section 2, issue 4). Priority 0 is tried
 * first; a proxy moves to the next priority when one has no healthy endpoint.
 *
 * - preferLocal (default): the local zone, then every other zone together.
 * - failover: the local zone, then `failoverZones` one by one; others unused.
 * - any: every zone together at priority 0.
 *
 * When the local zone has fewer than `minHealthyLocal` (default 1) healthy
 * instances it goes last, so its traffic spills over to the next tier.
 * Zones missing from the result get no traffic. Priorities are contiguous
 * from 0, as Envoy requires.
 *
 * @example zonePriorities([{zone: "a", healthy: 2}, {zone: "b", healthy: 3}], "a", undefined)
 * // Map { "a" => 0, "b" => 1 }
 */
export function zonePriorities(zones: ZoneHealth[], localZone: string, policy: LocalityPolicy | undefined): Map<string, number> {
  const mode = policy?.mode ?? "preferLocal";
  const names = zones.map((z) => z.zone).sort(compareStrings);
  if (mode === "any") return new Map(names.map((z) => [z, 0]));

  const present = new Set(names);
  const remote = names.filter((z) => z !== localZone);
  let tiers: string[][] =
    mode === "failover"
      ? (policy?.failoverZones ?? []).filter((z) => z !== localZone && present.has(z)).map((z) => [z])
      : remote.length > 0
        ? [remote]
        : [];
  if (present.has(localZone)) {
    const localHealthy = zones.find((z) => z.zone === localZone)?.healthy ?? 0;
    const spill = localHealthy < (policy?.minHealthyLocal ?? 1) && tiers.length > 0;
    tiers = spill ? [...tiers, [localZone]] : [[localZone], ...tiers];
  }
  const out = new Map<string, number>();
  tiers.forEach((tier, priority) => tier.forEach((z) => out.set(z, priority)));
  return out;
}
