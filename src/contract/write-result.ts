import type { Kind } from "./resource-types.js";

/**
 * What a write did to one resource, as every write route answers it
 * (PUT, DELETE, `POST /v1/apply`, rollback) and the CLI prints it.
 */
export type WriteAction = "created" | "updated" | "unchanged" | "deleted";

export interface WriteResult {
  kind: Kind;
  /** "" for global kinds. */
  mesh: string;
  name: string;
  action: WriteAction;
  /** The revision written; for "unchanged", the revision already stored. */
  revision: number;
}

/** The answer of `POST /v1/apply`. */
export interface ApplyResponse {
  dryRun: boolean;
  /** The highest revision the bundle wrote; null when nothing changed (or a dry run). */
  revision: number | null;
  results: WriteResult[];
}
