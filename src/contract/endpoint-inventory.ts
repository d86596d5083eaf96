import type { ZoneSpec } from "./resource-types.js";

/**
 * Cross-zone discovery (shared/design.md section 1, the reverse path): the
 * workloads a zone's bridges discovered travel upstream as an inventory
 * report, the global plane keeps each zone's last report, and every other
 * zone serves them as remote endpoints.
 */

/** A workload of a zone's endpoint layer: its JSON document plus its identity. */
export type EndpointRow = {
  /** keyString of the workload (`Workload/<mesh>/<name>`). */
  key: string;
  mesh: string;
  name: string;
  document: string;
};

/** What a zone reports upstream. */
export interface InventoryReport {
  zone: string;
  /** Increases with every change of this zone's discovered workloads. */
  seq: number;
  workloads: EndpointRow[];
  ingress: ZoneSpec["ingress"] | null;
}

/** A remote zone's workload as another zone serves it. */
export type RemoteRow = EndpointRow & { zone: string };

/** One zone's last stored report, as the API lists discovered workloads. */
export interface StoredInventory {
  zone: string;
  reportSeq: number;
  workloads: EndpointRow[];
  ingress: { address: string; port: number } | null;
  updatedAt: string;
}

/** Where a listed workload came from (`GET /v1/meshes/{mesh}/workloads`). */
export interface WorkloadSource {
  /** "api", or `zone/<zone>/<proxy|workloads-dir>` for a discovered one. */
  source: string;
  zone: string;
  health: string;
  reportedAt?: string;
}
