/**
 * The benchmark's mesh, proxies and changes, generated deterministically
 * from the command-line sizes so every process (orchestrator, naive server,
 * floor lab) can rebuild the same thing without shipping it around.
 *
 * Shape: services svc-0000..; svc-0000 is the "hub" every proxy depends on
 * (one workload per zone, each a real echo backend, and a BackendPolicy);
 * every other service has 1 or 2 workloads spread over the zones; every
 * tenth service has an HTTPRoute splitting it with its neighbour. A proxy
 * subscribes, like a proxyless gRPC client, to the Listener, RouteConfiguration,
 * Cluster and ClusterLoadAssignment of 10 services: the hub, 8 others, and one
 * service that does not exist yet (a client deployed before its server), so
 * "new service" changes have subscribers.
 */
import type { Resource } from "../src/contract/resource-types.js";
import { clusterName, listenerName, routeConfigName } from "../src/xds-bridge/translate/names.js";

export const MESH = "default";
export const PORT = 50051;
export const HUB = "svc-0000";
const PER_PROXY = 8;
/** The service whose route the fan-out lab changes (it has an HTTPRoute: see routedServices). */
export const LAB_ROUTED = 5;

export interface Sizes {
  zones: number;
  proxies: number;
  services: number;
  changes: number;
}

export type ChangeKind = "route-weight" | "new-service" | "workload-unhealthy" | "mesh-wide";
export const CHANGE_KINDS: readonly ChangeKind[] = ["route-weight", "new-service", "workload-unhealthy", "mesh-wide"];

/** One API write of the benchmark, and who should see it. */
export interface Change {
  kind: ChangeKind;
  /** The Service whose resources it alters. */
  service: string;
  /** Written with one PUT (1 document) or one POST /v1/apply (several). */
  docs: Resource[];
}

export interface SimProxySpec {
  id: string;
  zone: string;
  /** Subscribed names per type URL short name. */
  names: { listener: string[]; route: string[]; cluster: string[]; endpoint: string[] };
  /** Subscribed services (for predicting who a change affects). */
  services: string[];
  /** How many subscribed resources exist at the start (what "fully configured" means). */
  initial: number;
}

export const zoneName = (i: number): string => `zone-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ""}`;
export const serviceName = (i: number): string => `svc-${String(i).padStart(4, "0")}`;
const futureName = (k: number): string => `new-${String(k).padStart(3, "0")}`;
const routeName = (i: number): string => `route-${serviceName(i)}`;

/** How many "new service" names each phase may create: one per change of that kind. */
function futurePerPhase(changes: number): number {
  return Math.max(1, Math.ceil(changes / CHANGE_KINDS.length));
}

const service = (name: string): Resource => ({ kind: "Service", metadata: { name, mesh: MESH }, spec: { ports: [{ port: PORT, protocol: "grpc" }] } });

function workload(name: string, svc: string, address: string, port: number, zone: string, health?: "unhealthy"): Resource {
  return { kind: "Workload", metadata: { name, mesh: MESH }, spec: { service: svc, address, port, zone, ...(health ? { health } : {}) } };
}

/** A fake but valid IPv4 per (service, replica): never dialed, only the hub is. */
const fakeAddress = (i: number, j: number): string => `10.${(i >> 8) & 255}.${i & 255}.${j + 1}`;

function regularWorkloads(i: number, zones: number, health?: "unhealthy"): Resource[] {
  const out: Resource[] = [];
  for (let j = 0; j < 1 + (i % 2); j++) out.push(workload(`${serviceName(i)}-w${j}`, serviceName(i), fakeAddress(i, j), 8080, zoneName((i + j) % zones), health));
  return out;
}

export function route(i: number, weight: number): Resource {
  return {
    kind: "HTTPRoute",
    metadata: { name: routeName(i), mesh: MESH },
    spec: { parentRefs: [{ name: serviceName(i), port: PORT }], rules: [{ backendRefs: [{ name: serviceName(i), weight }, { name: serviceName(i + 1), weight: 100 - weight }] }] },
  };
}

export function hubPolicy(mode: "preferLocal" | "any"): Resource {
  return { kind: "BackendPolicy", metadata: { name: "hub-locality", mesh: MESH }, spec: { targetRef: { kind: "Service", name: HUB }, locality: { mode } } };
}

/** Services with an HTTPRoute: every tenth, never the hub nor the last. */
function routedServices(services: number): number[] {
  const out: number[] = [];
  for (let i = 5; i < services - 1; i += 10) out.push(i);
  return out;
}

/**
 * The whole starting mesh, in API bundles of at most `perBundle` documents,
 * ordered so each bundle's references already exist. `hubBackends` are the
 * host:port of one real echo backend per zone.
 */
export function meshBundles(sizes: Sizes, hubBackends: { host: string; port: number }[], perBundle = 200): Resource[][] {
  const services: Resource[] = [];
  const rest: Resource[] = [];
  for (let i = 0; i < sizes.services; i++) services.push(service(serviceName(i)));
  hubBackends.forEach((b, z) => rest.push(workload(`${HUB}-${zoneName(z)}`, HUB, b.host, b.port, zoneName(z))));
  for (let i = 1; i < sizes.services; i++) rest.push(...regularWorkloads(i, sizes.zones));
  for (const i of routedServices(sizes.services)) rest.push(route(i, 90));
  rest.push(hubPolicy("preferLocal"));
  const docs = [...services, ...rest];
  const bundles: Resource[][] = [];
  for (let i = 0; i < docs.length; i += perBundle) bundles.push(docs.slice(i, i + perBundle));
  return bundles;
}

/** The names a proxyless client subscribes to for one service. */
export function namesOf(svc: string): { listener: string; route: string; cluster: string; endpoint: string } {
  return { listener: listenerName(svc), route: routeConfigName(svc, PORT), cluster: clusterName(svc, PORT, MESH), endpoint: clusterName(svc, PORT, MESH) };
}

export function simProxies(sizes: Sizes): SimProxySpec[] {
  const regular = sizes.services - 1;
  const future = 2 * futurePerPhase(sizes.changes);
  const out: SimProxySpec[] = [];
  for (let p = 0; p < sizes.proxies; p++) {
    const picked = new Set<string>([HUB]);
    for (let k = 0; k < PER_PROXY && picked.size < sizes.services; k++) picked.add(serviceName(1 + ((p * PER_PROXY + k) % Math.max(1, regular))));
    const existing = [...picked];
    const services = [...existing, futureName(p % future)];
    const n = services.map(namesOf);
    out.push({
      id: `sim-${String(p).padStart(5, "0")}`,
      zone: zoneName(p % sizes.zones),
      services,
      names: { listener: n.map((x) => x.listener), route: n.map((x) => x.route), cluster: n.map((x) => x.cluster), endpoint: n.map((x) => x.endpoint) },
      initial: existing.length * 4,
    });
  }
  return out;
}

/**
 * The changes of one phase (0: ours, 1: the naive baseline), cycling over
 * the kinds. Both phases get the same kinds in the same order on targets of
 * the same size; the targets differ only where repeating one would not be a
 * change (a workload already unhealthy, a service already created).
 */
export function changePlan(sizes: Sizes, phase: number, count = sizes.changes): Change[] {
  const routed = routedServices(sizes.services);
  const perPhase = futurePerPhase(sizes.changes);
  // Toggles continue where phase 0 left them, so each one is a real change.
  const meshWideBefore = phase === 0 ? 0 : Math.floor(sizes.changes / CHANGE_KINDS.length);
  const out: Change[] = [];
  const seen: Record<ChangeKind, number> = { "route-weight": 0, "new-service": 0, "workload-unhealthy": 0, "mesh-wide": 0 };
  for (let c = 0; c < count; c++) {
    const kind = CHANGE_KINDS[c % CHANGE_KINDS.length]!;
    const n = seen[kind]++;
    const global = phase * sizes.changes + c;
    if (kind === "route-weight") {
      const i = routed[(n + phase * perPhase) % Math.max(1, routed.length)] ?? 1;
      out.push({ kind, service: serviceName(i), docs: [route(i, 10 + ((global * 37) % 80))] });
    } else if (kind === "new-service") {
      const name = futureName(phase * perPhase + n);
      out.push({ kind, service: name, docs: [service(name), workload(`${name}-w0`, name, fakeAddress(4000 + phase * perPhase + n, 0), 8080, zoneName(n % sizes.zones))] });
    } else if (kind === "workload-unhealthy") {
      // Spread over the services, a different one each time in either phase, skipping the hub.
      const i = 1 + (((2 * n + phase) * 131) % Math.max(1, sizes.services - 1));
      out.push({ kind, service: serviceName(i), docs: regularWorkloads(i, sizes.zones, "unhealthy").slice(0, 1) });
    } else {
      out.push({ kind, service: HUB, docs: [hubPolicy((meshWideBefore + n) % 2 === 0 ? "any" : "preferLocal")] });
    }
  }
  return out;
}

/** The URL path of a one-document PUT. */
export function putPath(doc: Resource): string {
  const plural = { Service: "services", Workload: "workloads", HTTPRoute: "httproutes", BackendPolicy: "backendpolicies" }[doc.kind as string];
  if (!plural) throw new Error(`no PUT path for ${doc.kind}`);
  return `/v1/meshes/${doc.metadata.mesh ?? MESH}/${plural}/${doc.metadata.name}`;
}
