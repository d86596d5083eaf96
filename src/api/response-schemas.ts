import { z } from "zod";
import { KINDS } from "../contract/resource-types.js";

/**
 * Answers of the API whose shape the OpenAPI document states (route-table.ts),
 * declared once: the service's types below are their outputs.
 */

export const writeAction = z.enum(["created", "updated", "unchanged", "deleted"]);

/** What one write did; `revision` is the journal seq it got, or the stored one when unchanged. */
export const writeResult = z.object({
  kind: z.enum(KINDS),
  mesh: z.string(),
  name: z.string(),
  action: writeAction,
  revision: z.int(),
});

/** `POST /v1/apply`: per document what happened; `revision` is null when nothing changed (or a dry run). */
export const applyResult = z.object({
  dryRun: z.boolean(),
  revision: z.int().nullable(),
  results: z.array(writeResult),
});

/** `GET /v1/revision`: the newest journal seq. */
export const revisionHead = z.object({ revision: z.int() });
