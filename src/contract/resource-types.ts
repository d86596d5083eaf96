/**
 * The resource documents users write and every plane passes along:
 * Kubernetes-shaped `{kind, metadata, spec}` (shared/design.md section 2).
 * The API validates them (resource-schema.ts); the zone and the bridge only
 * ever see documents that passed.
 */

export const KINDS = ["Mesh", "Zone", "Service", "Workload", "HTTPRoute", "BackendPolicy"] as const;
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
  BackendPolicy: "backendpolicies",
};

export type Labels = Record<string, string>;

export interface Metadata {
  name: string;
  /** Empty for global kinds. */
  mesh?: string;
  labels?: Labels;
  /** Set by the server: the journal sequence number of the last write. */
  revision?: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface MeshSpec {
  mtls?: { mode: "disabled" | "permissive" | "strict" };
}

export interface ZoneSpec {
  /** Where other zones reach this zone's services (issue 4). */
  ingress?: { address: string; port: number };
}

export type Protocol = "http" | "grpc" | "tcp";

export interface ServicePort {
  port: number;
  name?: string;
  protocol?: Protocol;
  /** Port the workloads listen on; defaults to `port`. */
  targetPort?: number;
}

export interface ServiceSpec {
  ports: ServicePort[];
}

export type Health = "healthy" | "unhealthy";

export interface WorkloadSpec {
  service: string;
  /** IP literal: proxyless gRPC clients refuse host names in EDS. */
  address: string;
  port: number;
  zone: string;
  labels?: Labels;
  health?: Health;
  /** How many instances this endpoint stands for (a remote zone's ingress
   * stands for all its healthy endpoints of the service); 1 when omitted. */
  weight?: number;
}

export interface PathMatch {
  type: "PathPrefix" | "Exact";
  value: string;
}

export interface HeaderMatch {
  type: "Exact" | "RegularExpression";
  name: string;
  value: string;
}

export interface RouteMatch {
  path?: PathMatch;
  headers?: HeaderMatch[];
}

export interface BackendRef {
  name: string;
  port?: number;
  /** Relative weight, 0..1,000,000; 1 when omitted (Gateway API). */
  weight?: number;
}

export interface RouteRule {
  matches?: RouteMatch[];
  backendRefs: BackendRef[];
  /** Gateway API durations such as "10s" or "1m30s". */
  timeouts?: { request?: string };
}

export interface ParentRef {
  /** Only Services can be parents (GAMMA, mesh routing). */
  kind?: "Service";
  name: string;
  port?: number;
}

export interface HTTPRouteSpec {
  parentRefs: ParentRef[];
  rules: RouteRule[];
}

/**
 * Where a Service's traffic goes across zones. `preferLocal` (default): the
 * caller's zone first, every other zone as the next priority. `failover`: the
 * caller's zone, then `failoverZones` in order, no other zone. `any`: all zones
 * alike, weighted by healthy endpoints. In every mode, fewer than
 * `minHealthyLocal` healthy endpoints in the caller's zone spill its traffic
 * over to the next priority.
 */
export interface LocalityPolicy {
  mode: "preferLocal" | "failover" | "any";
  failoverZones?: string[];
  minHealthyLocal?: number;
}

/** Envoy's load balancers; proxyless gRPC clients support RoundRobin and RingHash only. */
export type LoadBalancerType = "RoundRobin" | "LeastRequest" | "RingHash" | "Random";

export interface BackendPolicySpec {
  targetRef: { kind: "Service"; name: string };
  locality?: LocalityPolicy;
  loadBalancer?: { type: LoadBalancerType };
}

export interface SpecByKind {
  Mesh: MeshSpec;
  Zone: ZoneSpec;
  Service: ServiceSpec;
  Workload: WorkloadSpec;
  HTTPRoute: HTTPRouteSpec;
  BackendPolicy: BackendPolicySpec;
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
