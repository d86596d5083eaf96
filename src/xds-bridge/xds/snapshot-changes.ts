import type { Snapshot } from "./snapshot.js";
import type { ChangedNames } from "./subscription-index.js";

/**
 * Per type, the names whose resource differs between two snapshots of one
 * key (added, changed by hash, or removed), plus every name the bridge
 * refused in either: a refusal's report carries the snapshot version, so its
 * subscribers recompute it on every change. Undefined without a previous
 * snapshot: every stream owes its first answer.
 *
 * @example changedNames(prev, next)?.get(TYPE_URL.cluster) // Set { "echo-c" }
 */
export function changedNames(previous: Snapshot | undefined, next: Snapshot): ChangedNames | undefined {
  if (!previous) return undefined;
  const known = next.changesSince(previous);
  if (known) return withRefusals(known, previous, next);
  const out = new Map<string, Set<string>>();
  const types = new Set([...previous.typeUrls(), ...next.typeUrls(), ...previous.refused.keys(), ...next.refused.keys()]);
  for (const typeUrl of types) {
    const names = new Set<string>();
    const before = previous.resources(typeUrl);
    const after = next.resources(typeUrl);
    for (const [name, r] of after) if (before.get(name)?.hash !== r.hash) names.add(name);
    for (const name of before.keys()) if (!after.has(name)) names.add(name);
    for (const name of previous.refused.get(typeUrl)?.names ?? []) names.add(name);
    for (const name of next.refused.get(typeUrl)?.names ?? []) names.add(name);
    if (names.size > 0) out.set(typeUrl, names);
  }
  return out;
}

/** What `next` worked out while it was built (Snapshot.changesSince), plus both snapshots' refusals. */
function withRefusals(known: ReadonlyMap<string, ReadonlySet<string>>, previous: Snapshot, next: Snapshot): ChangedNames {
  if (previous.refused.size === 0 && next.refused.size === 0) return known;
  const out = new Map<string, Set<string>>();
  for (const [typeUrl, names] of known) out.set(typeUrl, new Set(names));
  for (const refused of [previous.refused, next.refused]) {
    for (const [typeUrl, r] of refused) {
      if (r.names.length === 0) continue;
      let names = out.get(typeUrl);
      if (!names) out.set(typeUrl, (names = new Set()));
      for (const name of r.names) names.add(name);
    }
  }
  return out;
}
