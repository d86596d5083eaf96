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

/** A field one kind of proxy will not apply (src/contract/proxy-warnings.ts). */
export const proxyWarningSchema = z.object({
  field: z.string(),
  message: z.string(),
  /** The kind of proxy the field does not reach. */
  proxies: z.enum(["proxyless", "sidecar"]),
});

/** A warning about one document of a write. */
export const writeWarningSchema = proxyWarningSchema.extend({
  /** Index of the document in the request (0 for a PUT). */
  document: z.int(),
  kind: z.enum(KINDS),
  mesh: z.string(),
  name: z.string(),
});

/** A document stored as another kind: an SMI TrafficSplit as the HTTPRoute it means. */
export const conversionSchema = z.object({
  document: z.int(),
  /** `<apiVersion> <kind>` as sent. */
  from: z.string(),
  /** The document as it was converted (and then validated and stored). */
  resource: z.unknown(),
});

/**
 * The answer of `POST /v1/apply`: `revision` is null when nothing changed
 * (or a dry run); `warnings` name fields some proxies will not apply;
 * `converted` shows SMI documents as what was stored for them.
 */
export const applyResponseSchema = z.object({
  dryRun: z.boolean(),
  revision: z.int().nullable(),
  results: z.array(writeResultSchema),
  warnings: z.array(writeWarningSchema),
  converted: z.array(conversionSchema).optional(),
});

export type WriteAction = z.output<typeof writeActionSchema>;
export type WriteResult = z.output<typeof writeResultSchema>;
export type ApplyResponse = z.output<typeof applyResponseSchema>;
export type WriteWarning = z.output<typeof writeWarningSchema>;
export type Conversion = z.output<typeof conversionSchema>;
