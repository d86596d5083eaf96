import type { BackendRef } from "../../contract/resource-types.js";
import type { RuleFilter } from "./mesh-rules.js";
import type { MeshView, Service } from "./mesh-view.js";
import { clusterName } from "./names.js";

/** A cluster a rule sends traffic to, with its relative weight (> 0). */
export interface WeightedBackend {
  cluster: string;
  weight: number;
  /** The backendRef's own filters (header changes for traffic sent to it), when it has any. */
  filters?: RuleFilter[];
}

/**
 * The clusters a rule attached to `parent:port` sends traffic to. A
 * backendRef without a port means the parent's port when it names the parent
 * itself, else the backend's first port. Dropped, in order: refs to a
 * Service the mesh lacks or to a port it does not have, and refs of weight 0
 * (Gateway API: weight 0 gets no traffic). Refs to the same cluster are
 * merged, weights added. An empty result means the rule has nowhere to send
 * traffic and the caller drops it.
 *
 * @example resolveBackends(view, echo, 8080, rule) // [{cluster: "outbound|8080||echo-v1.default", weight: 80}, ...]
 */
export function resolveBackends(view: MeshView, parent: Service, port: number, rule: { backendRefs?: BackendRef[] | undefined }): WeightedBackend[] {
  const byCluster = new Map<string, WeightedBackend>();
  for (const ref of rule.backendRefs ?? []) {
    const cluster = backendCluster(view, parent, port, ref);
    const weight = ref.weight ?? 1;
    if (cluster === undefined || weight === 0) continue;
    const seen = byCluster.get(cluster);
    if (seen) {
      seen.weight += weight;
      if (!seen.filters && ref.filters?.length) seen.filters = ref.filters;
    } else {
      byCluster.set(cluster, { cluster, weight, ...(ref.filters?.length ? { filters: ref.filters } : {}) });
    }
  }
  // Map keeps first-insertion order: clusters stay in the order the user wrote.
  return [...byCluster.values()];
}

/**
 * The cluster of a Service a rule mirrors to (the parent's port rule does
 * not apply: a mirror names its port or gets the backend's first).
 *
 * @example mirrorCluster(view, { name: "audit" }) // "outbound|8080||audit.default"
 */
export function mirrorCluster(view: MeshView, ref: { name: string; port?: number | undefined }): string | undefined {
  const backend = view.service(ref.name);
  const port = ref.port ?? backend?.spec.ports[0]?.port;
  if (!backend || port === undefined || !backend.spec.ports.some((p) => p.port === port)) return undefined;
  return clusterName(backend.metadata.name, port, view.mesh);
}

function backendCluster(view: MeshView, parent: Service, parentPort: number, ref: BackendRef): string | undefined {
  const backend = view.service(ref.name);
  if (!backend) return undefined;
  const isParent = backend.metadata.name === parent.metadata.name;
  const port = ref.port ?? (isParent ? parentPort : backend.spec.ports[0]?.port);
  if (port === undefined || !backend.spec.ports.some((p) => p.port === port)) return undefined;
  return clusterName(backend.metadata.name, port, view.mesh);
}
