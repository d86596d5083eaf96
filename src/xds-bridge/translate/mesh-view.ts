import type { BackendPolicySpec, LoadBalancerType, LocalityPolicy, ResourceOf, ServicePort } from "../../contract/resource-types.js";
import type { ZoneModel } from "../../contract/zone-model.js";
import { buildParts, meshLists } from "./view-parts.js";

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
 * The indexes a MeshView answers from. Built from the lists by `buildParts`
 * (view-parts.ts), or kept up to date by the incremental translator.
 */
export interface ViewParts {
  /** By name (code-point order). */
  readonly services: readonly Service[];
  /** By name, an HTTPRoute before a GRPCRoute of the same name. */
  readonly routes: readonly AnyRoute[];
  readonly servicesByName: ReadonlyMap<string, Service>;
  /** Each service's workloads, by name. */
  readonly workloadsByService: ReadonlyMap<string, readonly Workload[]>;
  readonly localityByService: ReadonlyMap<string, LocalityPolicy>;
  readonly lbByService: ReadonlyMap<string, LoadBalancerType>;
  readonly settingsByService: ReadonlyMap<string, BackendSettings>;
  /** Each service's TrafficPermissions, by name. */
  readonly permissionsByService: ReadonlyMap<string, readonly ResourceOf<"TrafficPermission">[]>;
}

/**
 * The resources of one mesh, indexed the way the translators look them up.
 * Built once per translation; every list is in code-point name order so the
 * output does not depend on insertion order or on the host's locale.
 * Several BackendPolicies naming one Service: for each field the first by
 * name that sets it wins, so the outcome does not depend on write order.
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
    parts: ViewParts,
  ) {
    this.services = parts.services;
    this.routes = parts.routes;
    this.servicesByName = parts.servicesByName;
    this.workloadsByService = parts.workloadsByService;
    this.localityByService = parts.localityByService;
    this.lbByService = parts.lbByService;
    this.settingsByService = parts.settingsByService;
    this.permissionsByService = parts.permissionsByService;
  }

  /** A view over indexes already built (the incremental translator keeps its own up to date). */
  static ofParts(mesh: string, mtls: MtlsMode, parts: ViewParts): MeshView {
    return new MeshView(mesh, mtls, parts);
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
    const lists = meshLists(model, mesh);
    return new MeshView(mesh, lists.mtls, buildParts(lists));
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
