import { z } from "zod";
import { strictObject } from "../contract/schema/strict-object.js";
import { DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, MIN_TTL_SECONDS } from "../global/zone-tokens.js";

/**
 * The small request bodies that are not resources. Read through
 * `parseOrThrow` (src/contract/schema-errors.ts), so their faults come back
 * in the same shape as a resource's; route-table.ts puts them in the OpenAPI
 * document.
 */

/** Revisions are journal seqs: SQLite integers, positive. */
export const MAX_REVISION = Number.MAX_SAFE_INTEGER;

/** `POST /v1/zones/{zone}/tokens`: how long the token lives; an empty body means the default. */
export const zoneTokenRequest = strictObject({
  ttlSeconds: z.int().min(MIN_TTL_SECONDS).max(MAX_TTL_SECONDS).default(DEFAULT_TTL_SECONDS).meta({ description: "seconds, from one minute to one year" }),
});

/** `POST .../rollback`: the revision whose document to write again. */
export const rollbackRequest = strictObject({
  revision: z.int().min(1).max(MAX_REVISION).meta({ description: "a revision from GET .../history" }),
});
