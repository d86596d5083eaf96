import { validateResource } from "../contract/resource-schema.js";
import { keyString, type Resource } from "../contract/resource-types.js";
import { ZoneModel } from "../contract/zone-model.js";
import type { EndpointSet } from "../contract/zone-protocol/zone_pb.js";

/**
 * The zone's endpoint layer as the bridge last received it: workloads its
 * own and other bridges discovered, and those of remote zones (issue 4). It
 * is a complete set per version; translation sees it merged with the
 * journal's resources (`mergedWith`), the journal winning on a name clash.
 *
 * @example
 * const meshes = endpoints.apply(set);   // meshes whose endpoints changed
 * translateMesh(endpoints.mergedWith(mirror.model), "default", { localZone });
 */
export class EndpointMirror {
  version = 0;
  workloads: Resource[] = [];
  private readonly decoder = new TextDecoder();

  /** Replaces the set; returns the meshes that had or have endpoints in it. */
  apply(set: EndpointSet): { meshes: Set<string>; skipped: string[] } {
    const meshes = new Set(this.workloads.map((w) => w.metadata.mesh ?? ""));
    const next: Resource[] = [];
    const skipped: string[] = [];
    for (const w of set.workloads) {
      try {
        next.push(validateResource(JSON.parse(this.decoder.decode(w.document))));
      } catch (err) {
        skipped.push(`${keyString({ kind: "Workload", mesh: w.mesh, name: w.name })}: ${String(err)}`);
      }
    }
    for (const w of next) meshes.add(w.metadata.mesh ?? "");
    this.workloads = next;
    this.version = Number(set.version);
    return { meshes, skipped };
  }

  restore(version: number, workloads: Resource[]): void {
    this.version = version;
    this.workloads = workloads;
  }

  /**
   * A model holding the journal's resources plus these workloads. An
   * endpoint is identified by its zone and its name: two zones may each run
   * a workload called `echo-1`, and both are served. `own` (what this bridge
   * discovered itself) beats the zone's copy of the same workload, being
   * newer; a Workload declared through the API in the same zone beats both.
   */
  mergedWith(model: ZoneModel, own: Resource[] = []): ZoneModel {
    if (this.workloads.length === 0 && own.length === 0) return model;
    const merged = new ZoneModel();
    for (const [k, v] of model.byKey) merged.byKey.set(k, v);
    merged.revision = model.revision;
    const add = (w: Resource, replace: boolean): void => {
      if (w.kind !== "Workload") return;
      const declared = model.get({ kind: "Workload", mesh: w.metadata.mesh ?? "", name: w.metadata.name })?.resource;
      if (declared?.kind === "Workload" && declared.spec.zone === w.spec.zone) return;
      // Not a journal key: the zone is part of an endpoint's identity.
      const key = `${keyString({ kind: "Workload", mesh: w.metadata.mesh ?? "", name: w.metadata.name })}@${w.spec.zone}`;
      if (!replace && merged.byKey.has(key)) return;
      merged.byKey.set(key, { resource: w, revision: 0 });
    };
    for (const w of own) add(w, true);
    for (const w of this.workloads) add(w, false);
    return merged;
  }
}
