import type { BackendPolicySpec, LoadBalancerType, LocalityPolicy, ResourceOf, ServicePort } from "../../contract/resource-types.js";
import type { ZoneModel } from "../../contract/zone-model.js";
import { compareStrings } from "./compare.js";

export type Service = ResourceOf<"Service">;
export type Workload = ResourceOf<"Workload">;
export type HTTPRoute = ResourceOf<"HTTPRoute">;
export type GRPCRoute = ResourceOf<"GRPCRoute">;
/** The route kinds that attach to Services (GAMMA): both become Envoy routes the same way. */
export type AnyRoute = HTTPRoute | GRPCRoute;

/** What the BackendPolicies of one Service ask for, field by field. */
export type BackendSettings = Omit<BackendPolicySpec, "targetRef">;

/** The mesh's mTLS mode (Mesh.spec.mtls.mode); "disabled" when the Mesh says nothing or is absent. */
export type MtlsMode = NonNullable<ResourceOf<"Mesh">["spec"]["mtls"]>["mode"];

/**
 * The resources of one mesh, indexed the way the translators look them up.
 * Built once per translation; every list is in code-point name order so the
 * output does not depend on insertion order or on the host's locale.
 */
export class MeshView {
  readonly services: readonly Service[];
  /** HTTPRoutes and GRPCRoutes, by name (an HTTPRoute before a GRPCRoute of the same name). */
  readonly routes: readonly AnyRoute[];
  private readonly servicesByName: ReadonlyMap<string, Service>;
  private readonly workloadsByService: ReadonlyMap<string, readonly Workload[]>;
  private readonly localityByService: ReadonlyMap<string, LocalityPolicy>;
  private readonly lbByService: ReadonlyMap<string, LoadBalancerType>;
  private readonly settingsByService: ReadonlyMap<string, BackendSettings>;
  private readonly permissionsByService: ReadonlyMap<string, readonly ResourceOf<"TrafficPermission">[]>;

  private constructor(
    readonly mesh: string,
    readonly mtls: MtlsMode,
    services: Service[],
    workloads: Workload[],
    routes: AnyRoute[],
    policies: ResourceOf<"BackendPolicy">[] = [],
    permissions: ResourceOf<"TrafficPermission">[] = [],
  ) {
    const byName = (a: { metadata: { name: string } }, b: { metadata: { name: string } }) =>
      compareStrings(a.metadata.name, b.metadata.name);
    this.services = services.sort(byName);
    this.routes = routes.sort((a, b) => byName(a, b) || compareStrings(a.kind, b.kind));
    this.servicesByName = new Map(this.services.map((s) => [s.metadata.name, s]));
    const grouped = new Map<string, Workload[]>();
    for (const w of workloads.sort(byName)) {
      const list = grouped.get(w.spec.service) ?? [];
      list.push(w);
      grouped.set(w.spec.service, list);
    }
    this.workloadsByService = grouped;
    // Several policies naming one Service: the first by name wins, so the
    // outcome does not depend on write order.
    const locality = new Map<string, LocalityPolicy>();
    for (const p of policies.sort(byName)) {
      if (p.spec.locality && !locality.has(p.spec.targetRef.name)) locality.set(p.spec.targetRef.name, p.spec.locality);
    }
    this.localityByService = locality;
    const lb = new Map<string, LoadBalancerType>();
    for (const p of policies) {
      if (p.spec.loadBalancer && !lb.has(p.spec.targetRef.name)) lb.set(p.spec.targetRef.name, p.spec.loadBalancer.type);
    }
    this.lbByService = lb;
    // Field by field, the first policy by name that sets it, like locality and loadBalancer.
    const settings = new Map<string, BackendSettings>();
    for (const p of policies) {
      const { targetRef, ...fields } = p.spec;
      const merged: BackendSettings = settings.get(targetRef.name) ?? {};
      for (const [k, v] of Object.entries(fields) as [keyof BackendSettings, unknown][]) {
        if (v !== undefined && merged[k] === undefined) (merged as Record<string, unknown>)[k] = v;
      }
      settings.set(targetRef.name, merged);
    }
    this.settingsByService = settings;
    const byTarget = new Map<string, ResourceOf<"TrafficPermission">[]>();
    for (const p of permissions.sort(byName)) byTarget.set(p.spec.targetRef.name, [...(byTarget.get(p.spec.targetRef.name) ?? []), p]);
    this.permissionsByService = byTarget;
  }

  /** The TrafficPermissions targeting `service`, by name. */
  permissionsFor(service: string): readonly ResourceOf<"TrafficPermission">[] {
    return this.permissionsByService.get(service) ?? [];
  }

  /**
   * Everything the BackendPolicies targeting `service` ask for (connect
   * timeout, circuit breaker, outlier detection, health check, ...); each
   * field from the first policy by name that sets it.
   *
   * @example view.backendSettings("echo").circuitBreaker?.maxRequests
   */
  backendSettings(service: string): BackendSettings {
    return this.settingsByService.get(service) ?? {};
  }

  /** The load balancer the BackendPolicy targeting `service` asks for, if any. */
  loadBalancer(service: string): LoadBalancerType | undefined {
    return this.lbByService.get(service);
  }

  /**
   * The same view, translating only `services`: lookups (other services,
   * workloads, routes, policies) still see the whole mesh. For incremental
   * translation of the services a change touched.
   */
  only(services: readonly Service[]): MeshView {
    const view = Object.create(MeshView.prototype) as MeshView;
    return Object.assign(view, this, { services });
  }

  /** The locality part of the BackendPolicy targeting `service`, if any. */
  localityPolicy(service: string): LocalityPolicy | undefined {
    return this.localityByService.get(service);
  }

  /**
   * Only the resources whose metadata.mesh is `mesh`: meshes are isolated.
   *
   * @example MeshView.of(model, "default").service("echo")?.spec.ports
   */
  static of(model: ZoneModel, mesh: string): MeshView {
    const meshDoc = model.get({ kind: "Mesh", mesh: "", name: mesh })?.resource as ResourceOf<"Mesh"> | undefined;
    return new MeshView(
      mesh,
      meshDoc?.spec.mtls?.mode ?? "disabled",
      model.list("Service", mesh),
      model.list("Workload", mesh),
      [...model.list("HTTPRoute", mesh), ...model.list("GRPCRoute", mesh)],
      model.list("BackendPolicy", mesh),
      model.list("TrafficPermission", mesh),
    );
  }

  /** @example view.service("echo") // undefined when the mesh has no such Service */
  service(name: string): Service | undefined {
    return this.servicesByName.get(name);
  }

  /** Every workload of `service`, by name. */
  workloadsOf(service: string): readonly Workload[] {
    return this.workloadsByService.get(service) ?? [];
  }

  /**
   * The workloads of `service` that serve `port`. A single-port service is
   * served by all its workloads (whatever port they listen on); otherwise a
   * workload serves the port whose `targetPort ?? port` is its own port.
   *
   * @example view.workloadsServing(echo, echo.spec.ports[0]!)
   */
  workloadsServing(service: Service, port: ServicePort): Workload[] {
    const all = this.workloadsByService.get(service.metadata.name) ?? [];
    if (service.spec.ports.length === 1) return [...all];
    const target = port.targetPort ?? port.port;
    return all.filter((w) => w.spec.port === target);
  }
}
