import type { Kind, Resource, ResourceOf } from "../contract/resource-types.js";
import { age } from "./output.js";
import { renderTable } from "./table.js";

type Row = Resource & { status?: { source?: string } };

/** The columns that say what a resource of each kind does, after NAME. */
const COLUMNS: { [K in Kind]: { headers: string[]; cells(r: ResourceOf<K> & { status?: { source?: string } }): string[] } } = {
  Mesh: { headers: ["MTLS", "CERT-TTL"], cells: (r) => [r.spec.mtls?.mode ?? "disabled", r.spec.mtls && r.spec.mtls.mode !== "disabled" ? r.spec.mtls.certTTL : ""] },
  Zone: { headers: ["INGRESS"], cells: (r) => [r.spec.ingress ? `${r.spec.ingress.address}:${r.spec.ingress.port}` : ""] },
  Service: {
    headers: ["PORTS"],
    cells: (r) => [r.spec.ports.map((p) => `${p.port}${p.targetPort !== undefined && p.targetPort !== p.port ? `:${p.targetPort}` : ""}/${p.protocol ?? "http"}`).join(",")],
  },
  Workload: {
    headers: ["SERVICE", "ADDRESS", "ZONE", "HEALTH", "SOURCE"],
    cells: (r) => [r.spec.service, `${r.spec.address}:${r.spec.port}`, r.spec.zone, r.spec.health ?? "healthy", r.status?.source ?? "api"],
  },
  HTTPRoute: { headers: ["PARENTS", "BACKENDS"], cells: routeCells },
  GRPCRoute: { headers: ["PARENTS", "BACKENDS"], cells: routeCells },
  BackendPolicy: {
    headers: ["TARGET", "LOCALITY"],
    cells: (r) => [r.spec.targetRef.name, r.spec.locality?.mode ?? "preferLocal"],
  },
  TrafficPermission: {
    headers: ["TARGET", "RULES"],
    cells: (r) => [r.spec.targetRef.name, r.spec.rules.map((rule) => `${rule.action}:${rule.from.map((f) => f.name ?? "*").join("+")}`).join(",")],
  },
};

function routeCells(r: ResourceOf<"HTTPRoute"> | ResourceOf<"GRPCRoute">): string[] {
  return [
    r.spec.parentRefs.map((p) => (p.port === undefined ? p.name : `${p.name}:${p.port}`)).join(","),
    // One group per rule, in rule order: precedence is part of the meaning.
    r.spec.rules.map((rule) => (rule.backendRefs ?? []).map((b) => `${b.name}=${b.weight ?? 1}`).join(",") || "(redirect)").join(" | "),
  ];
}

/**
 * The human table of resources of one kind: NAME, the kind's own columns,
 * REVISION and AGE (since the last write).
 *
 * @example
 * resourceTable("Service", [echo], Date.now())
 * // "NAME   PORTS        REVISION   AGE\necho   50051/grpc   3          5m\n"
 */
export function resourceTable(kind: Kind, items: readonly Row[], nowMs: number): string {
  if (items.length === 0) return `No ${kind} resources found.\n`;
  const columns = COLUMNS[kind] as { headers: string[]; cells(r: Row): string[] };
  const rows = items.map((r) => [
    r.metadata.name,
    ...columns.cells(r),
    r.metadata.revision === undefined ? "" : String(r.metadata.revision),
    age(r.metadata.updatedAt ?? r.metadata.createdAt, nowMs),
  ]);
  return renderTable(["NAME", ...columns.headers, "REVISION", "AGE"], rows);
}
