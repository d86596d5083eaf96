import { keyString, resourceKey, type ResourceKey } from "../contract/resource-types.js";
import type { ResourceStore, StoredDocument } from "../store/resource-store.js";
import { referencesOf } from "./references.js";

/** A stored resource that names the one about to be deleted, and where. */
export interface Referrer {
  stored: StoredDocument;
  key: ResourceKey;
  /** The first field that names it, e.g. `spec.rules[0].backendRefs[1].name`. */
  field: string;
}

/**
 * The resources of `key`'s mesh that name it, by the same reference rules
 * the writes are checked with (references.ts), so what a PUT requires to
 * exist a DELETE cannot take away underneath it.
 *
 * @example await referrersOf(store, { kind: "Service", mesh: "default", name: "echo-v1" })
 */
export async function referrersOf(store: ResourceStore, key: ResourceKey): Promise<Referrer[]> {
  if (key.kind !== "Service") return [];
  const out: Referrer[] = [];
  for (const stored of await store.listInMesh(key.mesh)) {
    const ref = referencesOf(stored.resource, 0).find((r) => r.kind === "Service" && r.mesh === key.mesh && r.name === key.name);
    if (ref) out.push({ stored, key: resourceKey(stored.resource), field: ref.field });
  }
  return out.sort((a, b) => (keyString(a.key) < keyString(b.key) ? -1 : 1));
}
