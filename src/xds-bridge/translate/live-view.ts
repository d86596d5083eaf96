import type { LoadBalancerType, LocalityPolicy, ResourceOf } from "../../contract/resource-types.js";
import { meshRules } from "./mesh-rules.js";
import { MeshView, type AnyRoute, type BackendSettings, type MtlsMode, type Service, type ViewParts, type Workload } from "./mesh-view.js";
import { buildParts, byName, byRouteName, setOutcome, type MeshLists } from "./view-parts.js";

type Policy = ResourceOf<"BackendPolicy">;
type Permission = ResourceOf<"TrafficPermission">;

/**
 * A mesh's view indexes kept up to date across translations: given the
 * mesh's lists now, it finds what differs from the lists it was last given
 * (by object identity: the model hands out the same object until a resource
 * is written), patches only those entries, and names the services whose
 * translation inputs may have changed. Building the view from scratch
 * re-sorted and regrouped every service, workload and route of the mesh on
 * each change.
 *
 * The indexes equal buildParts over the same lists (the incremental
 * translator's tests compare full and incremental translations), except
 * for the order of same-named workloads of one service (endpoints of
 * different zones), which no translator's output depends on.
 */
export class LiveView {
  private lists: MeshLists;
  private readonly services: Service[];
  private readonly routes: AnyRoute[];
  private readonly servicesByName: Map<string, Service>;
  private readonly workloadsByService: Map<string, Workload[]>;
  private readonly policiesByTarget = new Map<string, Policy[]>();
  private readonly localityByService: Map<string, LocalityPolicy>;
  private readonly lbByService: Map<string, LoadBalancerType>;
  private readonly settingsByService: Map<string, BackendSettings>;
  private readonly permissionsByService: Map<string, Permission[]>;

  constructor(
    readonly mesh: string,
    lists: MeshLists,
  ) {
    this.lists = lists;
    const parts = buildParts(lists);
    this.services = [...parts.services];
    this.routes = [...parts.routes];
    this.servicesByName = new Map(parts.servicesByName);
    this.workloadsByService = new Map([...parts.workloadsByService].map(([k, v]) => [k, [...v]]));
    for (const p of [...lists.policies].sort(byName)) insertSorted(listOf(this.policiesByTarget, p.spec.targetRef.name), p, byName);
    this.localityByService = new Map(parts.localityByService);
    this.lbByService = new Map(parts.lbByService);
    this.settingsByService = new Map(parts.settingsByService);
    this.permissionsByService = new Map([...parts.permissionsByService].map(([k, v]) => [k, [...v]]));
  }

  get mtls(): MtlsMode {
    return this.lists.mtls;
  }

  /** A view of the indexes as they are now (valid until the next `update`). */
  view(): MeshView {
    return MeshView.ofParts(this.mesh, this.lists.mtls, this.parts());
  }

  /**
   * Moves the indexes to `lists`; returns the names of the services whose
   * inputs may differ (a superset: the translator compares fingerprints),
   * or "all" when the mesh's mTLS mode changed.
   */
  update(lists: MeshLists): Set<string> | "all" {
    const before = this.lists;
    this.lists = lists;
    const touched = new Set<string>();
    const changedServices: string[] = [];
    diff(before.services, lists.services, (s) => {
      remove(this.services, s, byName);
      if (this.servicesByName.get(s.metadata.name) === s) this.servicesByName.delete(s.metadata.name);
      changedServices.push(s.metadata.name);
    }, (s) => {
      insertSorted(this.services, s, byName);
      this.servicesByName.set(s.metadata.name, s);
      changedServices.push(s.metadata.name);
    });
    diff(before.workloads, lists.workloads, (w) => {
      const list = this.workloadsByService.get(w.spec.service);
      if (list) remove(list, w, byName);
      if (list?.length === 0) this.workloadsByService.delete(w.spec.service);
      touched.add(w.spec.service);
    }, (w) => {
      insertSorted(listOf(this.workloadsByService, w.spec.service), w, byName);
      touched.add(w.spec.service);
    });
    const onRoute = [(r: AnyRoute) => remove(this.routes, r, byRouteName), (r: AnyRoute) => insertSorted(this.routes, r, byRouteName)] as const;
    for (const [was, now] of [[before.httpRoutes, lists.httpRoutes], [before.grpcRoutes, lists.grpcRoutes]] as const) {
      diff(was, now, (r) => {
        onRoute[0](r);
        for (const p of r.spec.parentRefs) touched.add(p.name);
      }, (r) => {
        onRoute[1](r);
        for (const p of r.spec.parentRefs) touched.add(p.name);
      });
    }
    const targets = new Set<string>();
    diff(before.policies, lists.policies, (p) => {
      const list = this.policiesByTarget.get(p.spec.targetRef.name);
      if (list) remove(list, p, byName);
      if (list?.length === 0) this.policiesByTarget.delete(p.spec.targetRef.name);
      targets.add(p.spec.targetRef.name);
    }, (p) => {
      insertSorted(listOf(this.policiesByTarget, p.spec.targetRef.name), p, byName);
      targets.add(p.spec.targetRef.name);
    });
    for (const t of targets) {
      setOutcome(t, this.policiesByTarget.get(t) ?? [], this.localityByService, this.lbByService, this.settingsByService);
      touched.add(t);
    }
    diff(before.permissions, lists.permissions, (p) => {
      const list = this.permissionsByService.get(p.spec.targetRef.name);
      if (list) remove(list, p, byName);
      if (list?.length === 0) this.permissionsByService.delete(p.spec.targetRef.name);
      touched.add(p.spec.targetRef.name);
    }, (p) => {
      insertSorted(listOf(this.permissionsByService, p.spec.targetRef.name), p, byName);
      touched.add(p.spec.targetRef.name);
    });
    if (changedServices.length > 0) {
      // A route's clusters depend on the ports of the Services it sends or mirrors to.
      const changed = new Set(changedServices);
      for (const name of changed) touched.add(name);
      for (const r of this.routes) if (referencedServices(r).some((b) => changed.has(b))) for (const p of r.spec.parentRefs) touched.add(p.name);
    }
    return lists.mtls === before.mtls ? touched : "all";
  }

  private parts(): ViewParts {
    return {
      services: this.services,
      routes: this.routes,
      servicesByName: this.servicesByName,
      workloadsByService: this.workloadsByService,
      localityByService: this.localityByService,
      lbByService: this.lbByService,
      settingsByService: this.settingsByService,
      permissionsByService: this.permissionsByService,
    };
  }
}

/** The Services a route sends to or mirrors to: their ports decide its clusters. */
export function referencedServices(route: AnyRoute): string[] {
  return meshRules(route).flatMap((rule) => [
    ...rule.backendRefs.map((b) => b.name),
    ...rule.filters.flatMap((f) => (f.requestMirror ? [f.requestMirror.backendRef.name] : [])),
  ]);
}

/** Calls `gone` for each object of `before` not in `after`, then `came` for each of `after` not in `before`. */
function diff<T>(before: readonly T[], after: readonly T[], gone: (x: T) => void, came: (x: T) => void): void {
  if (before.length === after.length && before.every((x, i) => x === after[i])) return;
  const was = new Set(before);
  const now = new Set(after);
  for (const x of before) if (!now.has(x)) gone(x);
  for (const x of after) if (!was.has(x)) came(x);
}

function listOf<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

/** Inserts after every element that sorts equal. */
function insertSorted<T>(list: T[], x: T, cmp: (a: T, b: T) => number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(list[mid]!, x) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, x);
}

/** Removes this object (not merely an equal one). */
function remove<T>(list: T[], x: T, cmp: (a: T, b: T) => number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(list[mid]!, x) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < list.length && cmp(list[i]!, x) === 0; i++) {
    if (list[i] === x) {
      list.splice(i, 1);
      return;
    }
  }
}
