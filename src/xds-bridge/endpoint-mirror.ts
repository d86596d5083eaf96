import { validateResource } from "../contract/resource-schema.js";
import { keyString, type Resource } from "../contract/resource-types.js";
import type { ZoneModel } from "../contract/zone-model.js";
import type { EndpointSet } from "../contract/zone-protocol/zone_pb.js";
import { MergedModel } from "./merged-model.js";

/** One workload of the last set: its document's bytes and what they parsed to. */
interface Parsed {
  document: Uint8Array;
  resource: Resource;
}

/**
 * The zone's endpoint layer as the bridge last received it: workloads its
 * own and other bridges discovered, and those of remote zones (issue 4). It
 * is a complete set per version; translation sees it merged with the
 * journal's resources (`mergedWith`), the journal winning on a name clash.
 *
 * The zone sends the whole set on every version, usually with one workload
 * changed: a document whose bytes equal last time's keeps its parsed
 * resource (the same object), so only changed workloads are parsed and
 * validated, and the merged model sees only those as changed.
 *
 * @example
 * const meshes = endpoints.apply(set);   // meshes whose endpoints changed
 * translateMesh(endpoints.mergedWith(mirror.model), "default", { localZone });
 */
export class EndpointMirror {
  version = 0;
  workloads: Resource[] = [];
  private readonly decoder = new TextDecoder();
  /** The last set's parsed workloads by mesh/name (several zones may each have one of a name). */
  private parsed = new Map<string, Parsed[]>();
  private readonly merged = new MergedModel();

  /** Replaces the set; returns the meshes that had or have endpoints in it. */
  apply(set: EndpointSet): { meshes: Set<string>; skipped: string[] } {
    const meshes = new Set(this.workloads.map((w) => w.metadata.mesh ?? ""));
    const next: Resource[] = [];
    const parsed = new Map<string, Parsed[]>();
    const skipped: string[] = [];
    for (const w of set.workloads) {
      const name = `${w.mesh}/${w.name}`;
      const same = this.parsed.get(name)?.find((p) => sameBytes(p.document, w.document));
      try {
        const resource = same?.resource ?? validateResource(JSON.parse(this.decoder.decode(w.document)));
        next.push(resource);
        const list = parsed.get(name);
        if (list) list.push({ document: w.document, resource });
        else parsed.set(name, [{ document: w.document, resource }]);
      } catch (err) {
        skipped.push(`${keyString({ kind: "Workload", mesh: w.mesh, name: w.name })}: ${String(err)}`);
      }
    }
    for (const w of next) meshes.add(w.metadata.mesh ?? "");
    this.workloads = next;
    this.parsed = parsed;
    this.version = Number(set.version);
    return { meshes, skipped };
  }

  restore(version: number, workloads: Resource[]): void {
    this.version = version;
    this.workloads = workloads;
    this.parsed = new Map();
  }

  /**
   * A model holding the journal's resources plus these workloads. An
   * endpoint is identified by its zone and its name: two zones may each run
   * a workload called `echo-1`, and both are served. `own` (what this bridge
   * discovered itself) beats the zone's copy of the same workload, being
   * newer; a Workload declared through the API in the same zone beats both.
   *
   * Kept up to date rather than rebuilt (merged-model.ts): the result is one
   * long-lived model, valid until the next call.
   */
  mergedWith(model: ZoneModel, own: Resource[] = []): ZoneModel {
    return this.merged.model(model, this.workloads, own);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
