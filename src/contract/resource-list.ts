import type { WorkloadSource } from "./endpoint-inventory.js";
import type { Resource } from "./resource-types.js";

/** `GET /v1/meshes/{mesh}/{kinds}` and `GET /v1/meshes`: `{kind: "<Kind>List", items}`; workloads carry where they came from. */
export interface ResourceList {
  kind: string;
  items: (Resource & { status?: WorkloadSource })[];
}

/**
 * A Kubernetes-style list of documents: `kind: List`, or the `<Kind>List`
 * a list route answers, so what `edgeplane get services -o yaml` prints
 * applies back unchanged. Bundles (`POST /v1/apply`, `edgeplane apply`)
 * flatten it into its items.
 *
 * @example isDocumentList({ kind: "ServiceList", items: [] }) // true
 */
export function isDocumentList(v: unknown): v is { items: unknown[] } {
  if (typeof v !== "object" || v === null) return false;
  const { kind, items } = v as { kind?: unknown; items?: unknown };
  return typeof kind === "string" && /^([A-Z][A-Za-z]*)?List$/.test(kind) && Array.isArray(items);
}
