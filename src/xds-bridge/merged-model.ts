import { keyString, type Resource } from "../contract/resource-types.js";
import { ZoneModel, type StoredResource } from "../contract/zone-model.js";

type Workload = Extract<Resource, { kind: "Workload" }>;

/**
 * What translation sees, kept up to date instead of rebuilt: the journal's
 * resources plus the endpoint layer's workloads (EndpointMirror) and this
 * bridge's own discoveries. Copying the whole journal and re-adding every
 * endpoint on each publish made a one-service change cost the whole mesh;
 * here each call compares its inputs with the previous call's (by object
 * identity, so a resource parsed again counts as changed) and writes only
 * what differs into one long-lived model, whose sorted lists per kind
 * survive the writes (zone-model.ts).
 *
 * The result equals the full merge (`EndpointMirror.mergedWith`, a test
 * compares them over random changes): an endpoint is identified by its zone
 * and name; `own` beats the zone's copy of the same workload; a Workload
 * declared in the journal for the same zone beats both.
 *
 * @example
 * const merged = new MergedModel();
 * translateMesh(merged.model(mirror.model, endpoints.workloads, discovery.list()), "default");
 */
export class MergedModel {
  private readonly merged = new ZoneModel();
  /** The journal's entries as of the previous call (the mirror may change its model in place). */
  private readonly journal = new Map<string, StoredResource>();
  /** The endpoint layer as of the previous call: endpoint key -> the workload that wins there. */
  private readonly candidates = new Map<string, Workload>();
  private lastZone: readonly Resource[] | undefined;
  private lastOwn: readonly Resource[] | undefined;
  private hasEndpoints = false;

  /**
   * The merged model; the same object from call to call (or `journal`
   * itself while there are no endpoints at all, like mergedWith).
   */
  model(journal: ZoneModel, zone: readonly Resource[], own: readonly Resource[] = []): ZoneModel {
    const touched = new Set<string>();
    this.syncJournal(journal, touched);
    if (zone !== this.lastZone || !sameItems(own, this.lastOwn)) this.syncCandidates(zone, own, touched);
    this.lastZone = zone;
    this.lastOwn = own.slice();
    for (const key of touched) this.resolve(key, journal);
    this.merged.revision = journal.revision;
    this.hasEndpoints = zone.length > 0 || own.length > 0;
    return this.hasEndpoints ? this.merged : journal;
  }

  private syncJournal(journal: ZoneModel, touched: Set<string>): void {
    const entries = journal.byKey;
    let kept = 0;
    for (const [key, stored] of entries) {
      const before = this.journal.get(key);
      if (before !== undefined) kept += 1;
      if (before === stored) continue;
      this.journal.set(key, stored);
      this.merged.byKey.set(key, stored);
      if (stored.resource.kind === "Workload" || before?.resource.kind === "Workload") this.touchShadowed(key, touched);
    }
    if (kept === this.journal.size) return;
    for (const [key, before] of this.journal) {
      if (entries.has(key)) continue;
      this.journal.delete(key);
      this.merged.byKey.delete(key);
      if (before.resource.kind === "Workload") this.touchShadowed(key, touched);
    }
  }

  /** A declared Workload came, went or changed zone: the endpoints of its name may be shadowed or not now. */
  private touchShadowed(journalKey: string, touched: Set<string>): void {
    const prefix = `${journalKey}@`;
    for (const key of this.candidates.keys()) if (key.startsWith(prefix)) touched.add(key);
  }

  private syncCandidates(zone: readonly Resource[], own: readonly Resource[], touched: Set<string>): void {
    const next = new Map<string, Workload>();
    // The bridge's own (the newest word, the last one of a key wins) before the zone's (the first one wins).
    for (const w of own) if (w.kind === "Workload") next.set(endpointKey(w), w);
    for (const w of zone) if (w.kind === "Workload" && !next.has(endpointKey(w))) next.set(endpointKey(w), w);
    for (const [key, w] of next) if (this.candidates.get(key) !== w) touched.add(key);
    for (const key of this.candidates.keys()) if (!next.has(key)) touched.add(key);
    this.candidates.clear();
    for (const [key, w] of next) this.candidates.set(key, w);
  }

  /** Writes one endpoint key as the full merge would have it. */
  private resolve(key: string, journal: ZoneModel): void {
    const w = this.candidates.get(key);
    const declared = w && journal.get({ kind: "Workload", mesh: w.metadata.mesh ?? "", name: w.metadata.name })?.resource;
    const served = w !== undefined && !(declared?.kind === "Workload" && declared.spec.zone === w.spec.zone);
    const current = this.merged.byKey.get(key);
    if (!served) {
      if (current) this.merged.byKey.delete(key);
    } else if (current?.resource !== w) {
      this.merged.byKey.set(key, { resource: w, revision: 0 });
    }
  }
}

/**
 * The merge computed from scratch: a copy of the journal with every endpoint
 * added. What MergedModel must equal (its tests compare the two).
 */
export function mergeFully(model: ZoneModel, zone: readonly Resource[], own: readonly Resource[] = []): ZoneModel {
  if (zone.length === 0 && own.length === 0) return model;
  const merged = new ZoneModel();
  for (const [k, v] of model.byKey) merged.byKey.set(k, v);
  merged.revision = model.revision;
  const add = (w: Resource, replace: boolean): void => {
    if (w.kind !== "Workload") return;
    const declared = model.get({ kind: "Workload", mesh: w.metadata.mesh ?? "", name: w.metadata.name })?.resource;
    if (declared?.kind === "Workload" && declared.spec.zone === w.spec.zone) return;
    const key = endpointKey(w);
    if (!replace && merged.byKey.has(key)) return;
    merged.byKey.set(key, { resource: w, revision: 0 });
  };
  for (const w of own) add(w, true);
  for (const w of zone) add(w, false);
  return merged;
}

/** Not a journal key: the zone is part of an endpoint's identity. */
function endpointKey(w: Workload): string {
  return `${keyString({ kind: "Workload", mesh: w.metadata.mesh ?? "", name: w.metadata.name })}@${w.spec.zone}`;
}

function sameItems(a: readonly Resource[], b: readonly Resource[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
