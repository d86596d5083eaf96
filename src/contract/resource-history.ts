import type { DocumentChange } from "./document-diff.js";
import type { LineChange } from "./line-diff.js";
import type { Resource } from "./resource-types.js";

/** One write of one resource, as the journal kept it (`GET {resource}/history`). */
export interface HistoryEntry {
  revision: number;
  op: "put" | "delete";
  /** ISO 8601 time of the commit. */
  at: string;
  /** For a put, the document written; for a delete, the last one stored. */
  document: Resource;
  /** Who wrote it (the API token's subject); "" before writes were attributed. */
  by: string;
  /** The config source it was written through. */
  source: string;
}

/** `GET {resource}/history`: newest first. */
export interface HistoryPage {
  items: HistoryEntry[];
  /** Pass as `before` to read the next (older) page; null on the last page. */
  next: number | null;
}

/** `GET {resource}/diff?from=&to=`. */
export interface DiffResponse {
  from: number;
  to: number;
  changes: DocumentChange[];
  /** With `format=yaml`: the two revisions' YAML, line by line. */
  lines?: LineChange[];
}
