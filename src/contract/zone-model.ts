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
 * The resources by key, remembering each (kind, mesh)'s sorted list until a
 * resource of that kind and mesh is set or deleted: translation lists every
 * kind of a mesh on each change, and walking and sorting the whole map each
 * time made a one-resource change cost the whole mesh. The map is written
 * directly by the mirrors and the disk cache, so the invalidation lives in
 * the map's own set and delete.
 */
class ResourceMap extends Map<string, StoredResource> {
  private readonly lists = new Map<string, Resource[]>();

  override set(key: string, value: StoredResource): this {
    // Map's constructor calls set before the field above exists.
    this.lists?.delete(listKey(value.resource.kind, value.resource.metadata.mesh ?? ""));
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    const old = this.get(key);
    if (old) this.lists.delete(listKey(old.resource.kind, old.resource.metadata.mesh ?? ""));
    return super.delete(key);
  }

  override clear(): void {
    this.lists.clear();
    super.clear();
  }

  /** The resources of one kind in one mesh, by name; the caller gets its own array. */
  sortedList(kind: Kind, mesh: string): Resource[] {
    const key = listKey(kind, mesh);
    let list = this.lists.get(key);
    if (!list) {
      list = [];
      for (const { resource } of this.values()) if (resource.kind === kind && (resource.metadata.mesh ?? "") === mesh) list.push(resource);
      list.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      this.lists.set(key, list);
    }
    return list.slice();
  }
}

const listKey = (kind: string, mesh: string): string => `${kind}\u0000${mesh}`;

export class ZoneModel {
  readonly byKey: Map<string, StoredResource> = new ResourceMap();
  revision = 0;

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
