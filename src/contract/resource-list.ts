import type { WorkloadSource } from "./endpoint-inventory.js";
import type { Resource } from "./resource-types.js";

/** `GET /v1/meshes/{mesh}/{kinds}` and `GET /v1/meshes`: `{kind: "<Kind>List", items}`; workloads carry where they came from. */
export interface ResourceList {
  kind: string;
  items: (Resource & { status?: WorkloadSource })[];
}
