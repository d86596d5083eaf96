import type { LoadBalancerType, LocalityPolicy, ResourceOf } from "../../contract/resource-types.js";
import type { ZoneModel } from "../../contract/zone-model.js";
import { compareStrings } from "./compare.js";
import type { AnyRoute, BackendSettings, MtlsMode, Service, ViewParts, Workload } from "./mesh-view.js";

type Policy = ResourceOf<"BackendPolicy">;
type Permission = ResourceOf<"TrafficPermission">;

/** Everything of one mesh a MeshView is built from, as the model lists it. */
export interface MeshLists {
  mtls: MtlsMode;
  services: Service[];
  workloads: Workload[];
  httpRoutes: AnyRoute[];
  grpcRoutes: AnyRoute[];
  policies: Policy[];
  permissions: Permission[];
}

/** The mesh's lists from the model (each the caller's own array). */
export function meshLists(model: ZoneModel, mesh: string): MeshLists {
  const meshDoc = model.get({ kind: "Mesh", mesh: "", name: mesh })?.resource as ResourceOf<"Mesh"> | undefined;
  return {
    mtls: meshDoc?.spec.mtls?.mode ?? "disabled",
    services: model.list("Service", mesh),
    workloads: model.list("Workload", mesh),
    httpRoutes: model.list("HTTPRoute", mesh),
    grpcRoutes: model.list("GRPCRoute", mesh),
    policies: model.list("BackendPolicy", mesh),
    permissions: model.list("TrafficPermission", mesh),
  };
}

export const byName = (a: { metadata: { name: string } }, b: { metadata: { name: string } }): number => compareStrings(a.metadata.name, b.metadata.name);
export const byRouteName = (a: AnyRoute, b: AnyRoute): number => byName(a, b) || compareStrings(a.kind, b.kind);

/** The view's indexes built from scratch (sorts copies: the lists stay as they are). */
export function buildParts(lists: MeshLists): ViewParts {
  const services = [...lists.services].sort(byName);
  const workloadsByService = groupBy([...lists.workloads].sort(byName), (w) => w.spec.service);
  const policiesByTarget = groupBy([...lists.policies].sort(byName), (p) => p.spec.targetRef.name);
  const localityByService = new Map<string, LocalityPolicy>();
  const lbByService = new Map<string, LoadBalancerType>();
  const settingsByService = new Map<string, BackendSettings>();
  for (const [target, policies] of policiesByTarget) setOutcome(target, policies, localityByService, lbByService, settingsByService);
  return {
    services,
    routes: [...lists.httpRoutes, ...lists.grpcRoutes].sort(byRouteName),
    servicesByName: new Map(services.map((s) => [s.metadata.name, s])),
    workloadsByService,
    localityByService,
    lbByService,
    settingsByService,
    permissionsByService: groupBy([...lists.permissions].sort(byName), (p) => p.spec.targetRef.name),
  };
}

/** Writes what the BackendPolicies of one target (by name) ask for: each field from the first that sets it. */
export function setOutcome(
  target: string,
  policies: readonly Policy[],
  locality: Map<string, LocalityPolicy>,
  lb: Map<string, LoadBalancerType>,
  settings: Map<string, BackendSettings>,
): void {
  locality.delete(target);
  lb.delete(target);
  settings.delete(target);
  if (policies.length === 0) return;
  const merged: BackendSettings = {};
  for (const p of policies) {
    if (p.spec.locality && !locality.has(target)) locality.set(target, p.spec.locality);
    if (p.spec.loadBalancer && !lb.has(target)) lb.set(target, p.spec.loadBalancer.type);
    const { targetRef: _target, ...fields } = p.spec;
    for (const [k, v] of Object.entries(fields) as [keyof BackendSettings, unknown][]) {
      if (v !== undefined && merged[k] === undefined) (merged as Record<string, unknown>)[k] = v;
    }
  }
  settings.set(target, merged);
}

function groupBy<T>(sorted: T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of sorted) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}
