import { z } from "zod";
import { KINDS } from "./resource-types.js";

/**
 * What a write did to one resource, as every write route answers it
 * (PUT, DELETE, `POST /v1/apply`, rollback) and the CLI prints it. Declared
 * as schemas so the OpenAPI document (src/api/route-table.ts) states the
 * same shape the types below are derived from.
 */
export const writeActionSchema = z.enum(["created", "updated", "unchanged", "deleted"]);

export const writeResultSchema = z.object({
  kind: z.enum(KINDS),
  /** "" for global kinds. */
  mesh: z.string(),
  name: z.string(),
  action: writeActionSchema,
  /** The revision written; for "unchanged", the revision already stored. */
  revision: z.int(),
});

/** The answer of `POST /v1/apply`: `revision` is null when nothing changed (or a dry run). */
export const applyResponseSchema = z.object({
  dryRun: z.boolean(),
  revision: z.int().nullable(),
  results: z.array(writeResultSchema),
});

export type WriteAction = z.output<typeof writeActionSchema>;
export type WriteResult = z.output<typeof writeResultSchema>;
export type ApplyResponse = z.output<typeof applyResponseSchema>;
