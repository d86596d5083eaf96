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

export class ZoneModel {
  readonly byKey = new Map<string, StoredResource>();
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
    const out: Extract<Resource, { kind: K }>[] = [];
    for (const { resource } of this.byKey.values()) {
      if (resource.kind === kind && (resource.metadata.mesh ?? "") === mesh) {
        out.push(resource as Extract<Resource, { kind: K }>);
      }
    }
    return out.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  meshes(): string[] {
    const names = new Set<string>();
    for (const { resource } of this.byKey.values()) if (resource.metadata.mesh) names.add(resource.metadata.mesh);
    for (const m of this.list("Mesh", "")) names.add(m.metadata.name);
    return [...names].sort();
  }
}
