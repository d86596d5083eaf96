import { keyString, resourceKey, type Kind, type Resource, type ResourceKey } from "./resource-types.js";

/**
 * The state a zone holds and a bridge mirrors: every resource the zone must
 * know, keyed by `kind/mesh/name`, at one journal revision. Pure data, no I/O,
 * so translation code and tests build it directly.
 */
export interface StoredResource {
  resource: Resource;
  revision: number;
}

/**
 * The resources by key, remembering each (kind, mesh)'s sorted list:
 * translation lists every kind of a mesh on each change, and walking and
 * sorting the whole map each time made a one-resource change cost the whole
 * mesh. The map is written directly by the mirrors and the disk cache, so the
 * lists are kept in the map's own set and delete: a remembered list is
 * patched in place (binary search, the position a fresh stable sort of the
 * map's insertion order would give), not thrown away.
 */
class ResourceMap extends Map<string, StoredResource> {
  private readonly lists = new Map<string, Resource[]>();

  override set(key: string, value: StoredResource): this {
    // Map's constructor calls set before the field above exists.
    if (this.lists) this.patch(this.get(key)?.resource, value.resource);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    const old = this.get(key);
    if (old) this.patch(old.resource, undefined);
    return super.delete(key);
  }

  override clear(): void {
    this.lists.clear();
    super.clear();
  }

  /** A copy holding the same entries and remembered lists (a mirror applies an update to a copy). */
  copy(): ResourceMap {
    const m = new ResourceMap();
    for (const [k, v] of this) Map.prototype.set.call(m, k, v);
    for (const [k, list] of this.lists) m.lists.set(k, list.slice());
    return m;
  }

  /** The resources of one kind in one mesh, by name; the caller gets its own array. */
  sortedList(kind: Kind, mesh: string): Resource[] {
    const key = listKey(kind, mesh);
    let list = this.lists.get(key);
    if (!list) {
      list = [];
      for (const { resource } of this.values()) if (resource.kind === kind && (resource.metadata.mesh ?? "") === mesh) list.push(resource);
      list.sort(byName);
      this.lists.set(key, list);
    }
    return list.slice();
  }

  /** Keeps remembered lists equal to a fresh sort after `before` (the key's old resource) becomes `after`. */
  private patch(before: Resource | undefined, after: Resource | undefined): void {
    if (before === after) return;
    const oldKey = before && listKey(before.kind, before.metadata.mesh ?? "");
    const newKey = after && listKey(after.kind, after.metadata.mesh ?? "");
    const oldList = oldKey === undefined ? undefined : this.lists.get(oldKey);
    // Same key, same name: the entry keeps its place in the map's order, so in the list too.
    if (before && after && oldKey === newKey && before.metadata.name === after.metadata.name) {
      if (!oldList) return;
      const at = indexOf(oldList, before);
      if (at < 0) this.lists.delete(oldKey!);
      else oldList[at] = after;
      return;
    }
    if (before && oldList) {
      const at = indexOf(oldList, before);
      if (at < 0) this.lists.delete(oldKey!);
      else oldList.splice(at, 1);
    }
    const newList = newKey === undefined ? undefined : this.lists.get(newKey);
    // A new key is last in the map's order: after every resource of its name.
    if (after && newList) newList.splice(upperBound(newList, after), 0, after);
  }
}

const byName = (a: Resource, b: Resource): number => a.metadata.name.localeCompare(b.metadata.name);

/** The first index whose resource sorts after `r`. */
function upperBound(list: readonly Resource[], r: Resource): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (byName(list[mid]!, r) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where `r` itself (this object) is in the sorted list, -1 if it is not. */
function indexOf(list: readonly Resource[], r: Resource): number {
  for (let i = upperBound(list, r) - 1; i >= 0 && byName(list[i]!, r) === 0; i--) if (list[i] === r) return i;
  return -1;
}

const listKey = (kind: string, mesh: string): string => `${kind}\u0000${mesh}`;

export class ZoneModel {
  readonly byKey: Map<string, StoredResource>;
  revision = 0;

  /** `entries` only from clone(): the map type is this module's own. */
  constructor(entries: ResourceMap = new ResourceMap()) {
    this.byKey = entries;
  }

  static of(resources: Resource[], revision = 1): ZoneModel {
    const m = new ZoneModel();
    for (const r of resources) m.put(r, r.metadata.revision ?? revision);
    m.revision = revision;
    return m;
  }

  put(resource: Resource, revision: number): void {
    const stored: Resource = { ...resource, metadata: { ...resource.metadata, revision } } as Resource;
    this.byKey.set(keyString(resourceKey(resource)), { resource: stored, revision });
  }

  /** Another model with the same resources (and remembered lists), to change without touching this one. */
  clone(): ZoneModel {
    const m = new ZoneModel((this.byKey as ResourceMap).copy());
    m.revision = this.revision;
    return m;
  }

  remove(key: ResourceKey): void {
    this.byKey.delete(keyString(key));
  }

  get(key: ResourceKey): StoredResource | undefined {
    return this.byKey.get(keyString(key));
  }

  /** All resources of one kind in one mesh ("" for global kinds), by name. */
  list<K extends Kind>(kind: K, mesh: string): Extract<Resource, { kind: K }>[] {
    return (this.byKey as ResourceMap).sortedList(kind, mesh) as Extract<Resource, { kind: K }>[];
  }

  meshes(): string[] {
    const names = new Set<string>();
    for (const { resource } of this.byKey.values()) if (resource.metadata.mesh) names.add(resource.metadata.mesh);
    for (const m of this.list("Mesh", "")) names.add(m.metadata.name);
    return [...names].sort();
  }
}
