import type { Kind } from "./resource-types.js";

/**
 * One row of the global journal as a zone reads it: the store answers it
 * (src/store/resource-store.ts, from D1 or straight from a commit), and the
 * notification of a write carries the rows it committed to the zones
 * (ZoneRpc.sync in src/env.ts), so it is part of what the planes share.
 */
export interface JournalEntry {
  /** The journal sequence number: the revision. */
  seq: number;
  kind: Kind;
  mesh: string;
  name: string;
  op: "put" | "delete";
  /** The document as stored: UTF-8 JSON. */
  document: string;
  /** When the API committed it (ISO 8601). */
  at: string;
}
