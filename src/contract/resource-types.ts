import type { z } from "zod";
import type { backendPolicySpec, circuitBreaker, healthCheck, loadBalancerType, localityPolicy, outlierDetection } from "./schema/backend-policy.js";
import type { labels } from "./schema/fields.js";
import type { grpcMethodMatch, grpcRouteMatch, grpcRouteRule, grpcRouteSpec } from "./schema/grpc-route.js";
import type { backendRef, headerMatch, httpRouteSpec, queryParamMatch, pathMatch, routeMatch, routeRule } from "./schema/http-route.js";
import type { headerModifier, pathModifier, requestMirror, requestRedirect, urlRewrite } from "./schema/route-filters.js";
import type { faultSpec, grpcRetry, httpRetry } from "./schema/route-policies.js";
import type { parentRef } from "./schema/route-refs.js";
import type { meshSpec } from "./schema/mesh.js";
import type { meshScopedMetadata, serverMetadata } from "./schema/metadata.js";
import type { protocol, servicePort, serviceSpec } from "./schema/service.js";
import type { health, workloadSpec } from "./schema/workload.js";
import type { trafficPermissionSpec } from "./schema/traffic-permission.js";
import type { zoneSpec } from "./schema/zone.js";

/**
 * The resource documents users write and every plane passes along:
 * Kubernetes-shaped `{kind, metadata, spec}` (shared/design.md section 2).
 * Each type is the output of its schema in schema/ (declared once there);
 * the API validates documents with them (resource-schema.ts), and the zone
 * and the bridge only ever see documents that passed.
 */

export const KINDS = ["Mesh", "Zone", "Service", "Workload", "HTTPRoute", "GRPCRoute", "BackendPolicy", "TrafficPermission"] as const;
export type Kind = (typeof KINDS)[number];

/** Mesh and Zone live outside any mesh; everything else belongs to one. */
export const GLOBAL_KINDS: ReadonlySet<Kind> = new Set<Kind>(["Mesh", "Zone"]);

/** URL segment for each kind (`/v1/meshes/{mesh}/{plural}/{name}`). */
export const KIND_PLURALS: Readonly<Record<Kind, string>> = {
  Mesh: "meshes",
  Zone: "zones",
  Service: "services",
  Workload: "workloads",
  HTTPRoute: "httproutes",
  GRPCRoute: "grpcroutes",
  BackendPolicy: "backendpolicies",
  TrafficPermission: "trafficpermissions",
};

export type Labels = z.output<typeof labels>;

/** What users write (name, mesh, labels) and what the store adds (revision, timestamps). */
export type Metadata = Omit<z.output<typeof meshScopedMetadata>, "revision" | "createdAt" | "updatedAt" | "source" | "uid" | "namespace"> &
  Partial<z.output<typeof serverMetadata>>;

export type MeshSpec = z.output<typeof meshSpec>;
export type ZoneSpec = z.output<typeof zoneSpec>;
export type Protocol = z.output<typeof protocol>;
export type ServicePort = z.output<typeof servicePort>;
export type ServiceSpec = z.output<typeof serviceSpec>;
export type Health = z.output<typeof health>;
export type WorkloadSpec = z.output<typeof workloadSpec>;
export type PathMatch = z.output<typeof pathMatch>;
export type HeaderMatch = z.output<typeof headerMatch>;
export type RouteMatch = z.output<typeof routeMatch>;
export type BackendRef = z.output<typeof backendRef>;
export type RouteRule = z.output<typeof routeRule>;
export type ParentRef = z.output<typeof parentRef>;
export type HTTPRouteSpec = z.output<typeof httpRouteSpec>;
export type QueryParamMatch = z.output<typeof queryParamMatch>;
export type HeaderModifier = z.output<typeof headerModifier>;
export type PathModifier = z.output<typeof pathModifier>;
export type RequestMirror = z.output<typeof requestMirror>;
export type RequestRedirect = z.output<typeof requestRedirect>;
export type UrlRewrite = z.output<typeof urlRewrite>;
export type FaultSpec = z.output<typeof faultSpec>;
export type HttpRetry = z.output<typeof httpRetry>;
export type GrpcRetry = z.output<typeof grpcRetry>;
export type GrpcMethodMatch = z.output<typeof grpcMethodMatch>;
export type GrpcRouteMatch = z.output<typeof grpcRouteMatch>;
export type GrpcRouteRule = z.output<typeof grpcRouteRule>;
export type GRPCRouteSpec = z.output<typeof grpcRouteSpec>;
export type CircuitBreaker = z.output<typeof circuitBreaker>;
export type OutlierDetection = z.output<typeof outlierDetection>;
export type HealthCheck = z.output<typeof healthCheck>;
export type LocalityPolicy = z.output<typeof localityPolicy>;
export type LoadBalancerType = z.output<typeof loadBalancerType>;
export type BackendPolicySpec = z.output<typeof backendPolicySpec>;
export type TrafficPermissionSpec = z.output<typeof trafficPermissionSpec>;

export interface SpecByKind {
  Mesh: MeshSpec;
  Zone: ZoneSpec;
  Service: ServiceSpec;
  Workload: WorkloadSpec;
  HTTPRoute: HTTPRouteSpec;
  GRPCRoute: GRPCRouteSpec;
  BackendPolicy: BackendPolicySpec;
  TrafficPermission: TrafficPermissionSpec;
}

export interface ResourceOf<K extends Kind> {
  kind: K;
  metadata: Metadata;
  spec: SpecByKind[K];
}

export type Resource = { [K in Kind]: ResourceOf<K> }[Kind];

/** Identity of a stored resource. `mesh` is "" for global kinds. */
export interface ResourceKey {
  kind: Kind;
  mesh: string;
  name: string;
}

export function resourceKey(r: Resource): ResourceKey {
  return { kind: r.kind, mesh: r.metadata.mesh ?? "", name: r.metadata.name };
}

/** A stable string form of a key, for maps: `Service/default/echo`. */
export function keyString(k: ResourceKey): string {
  return `${k.kind}/${k.mesh}/${k.name}`;
}

export function isKind(value: unknown): value is Kind {
  return typeof value === "string" && (KINDS as readonly string[]).includes(value);
}

export function kindFromPlural(plural: string): Kind | undefined {
  return KINDS.find((k) => KIND_PLURALS[k] === plural);
}

/**
 * The key a keyString names, or undefined for text that is not one (an
 * unknown kind, a missing part). The inverse of keyString.
 *
 * @example parseKey("Service/default/echo") // { kind: "Service", mesh: "default", name: "echo" }
 * @example parseKey("Zone//west")          // { kind: "Zone", mesh: "", name: "west" }
 */
export function parseKey(text: string): ResourceKey | undefined {
  const parts = text.split("/");
  if (parts.length !== 3) return undefined;
  const [kind, mesh, name] = parts as [string, string, string];
  if (!isKind(kind) || name === "") return undefined;
  return { kind, mesh, name };
}

/**
 * The mesh whose proxies a resource concerns: its own, or for a Mesh its
 * name; "" for a Zone (every mesh).
 *
 * @example meshOfKey({ kind: "Mesh", mesh: "", name: "payments" }) // "payments"
 */
export function meshOfKey(key: ResourceKey): string {
  return key.kind === "Mesh" ? key.name : key.mesh;
}
