/**
 * How fast revisions travel: per revision of a mesh, when its proxies
 * reached it. Zones record it (src/zone-do/revision-reach.ts) and
 * `GET /v1/meshes/{mesh}/propagation` joins it with the journal.
 */

/** What one zone knows of one revision: how many of its proxies reached it, and when the last did (bridge clock, unix ms). */
export interface RevisionReach {
  revision: number;
  proxies: number;
  lastAckMs: number;
}

/** One revision of a mesh in `GET /v1/meshes/{mesh}/propagation`. */
export interface PropagationItem {
  revision: number;
  kind: string;
  name: string;
  op: "put" | "delete";
  /** ISO 8601 time of the commit. */
  writtenAt: string;
  by: string;
  /** Proxies that reached this revision (were brought to it, not those that connected later), over every zone. */
  proxies: number;
  /** From the commit to the last of those ACKs; absent while no proxy reached it. */
  writeToLastAckMs?: number;
}

/** `GET /v1/meshes/{mesh}/propagation`: the mesh's newest revisions, oldest first. */
export interface PropagationList {
  kind: "Propagation";
  mesh: string;
  items: PropagationItem[];
}
