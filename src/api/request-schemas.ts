import { z } from "zod";
import { apiTokenClaimsSchema, MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS, ROLES } from "../contract/api-token.js";
import { strictObject } from "../contract/schema/strict-object.js";
import { DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, MIN_TTL_SECONDS } from "../global/zone-tokens.js";
import { NAME_PATTERN } from "../contract/resource-schema.js";
import { WORKLOAD_TOKEN_DEFAULT_TTL_SECONDS, WORKLOAD_TOKEN_MAX_TTL_SECONDS, WORKLOAD_TOKEN_MIN_TTL_SECONDS } from "../contract/workload-token.js";

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

/** `POST /v1/tokens`: whom the token is for and what it may do. */
export const apiTokenRequest = strictObject({
  subject: z.string().min(1).max(256).regex(/^[\x21-\x7e]+$/).meta({ description: "who uses it (a person, a pipeline); recorded as `by` in the journal" }),
  role: z.enum(ROLES).meta({ description: "reader: GETs in its meshes; writer: also writes there; admin: everything" }),
  meshes: apiTokenClaimsSchema.shape.meshes.meta({ description: 'mesh names, or ["*"] for every mesh' }),
  sources: apiTokenClaimsSchema.shape.sources.meta({ description: 'config sources a writer may write as besides its subject; ["*"]: any' }),
  ttlSeconds: z.int().min(MIN_TOKEN_TTL_SECONDS).max(MAX_TOKEN_TTL_SECONDS).default(30 * 24 * 3600).meta({ description: "seconds, from one minute to one year" }),
});

/** `POST /v1/meshes/{mesh}/ca/rotate`: nothing (a root made here), or a root to import with its key. */
export const caRotateRequest = strictObject({
  certificate: z.string().max(16_384).optional().meta({ description: "the root certificate, PEM" }),
  privateKey: z.string().max(16_384).optional().meta({ description: "its ECDSA P-256 key, PKCS#8 PEM; stored sealed, never answered or logged" }),
});

/** `POST /v1/meshes/{mesh}/workload-tokens`: the service (and zone) a proxy presenting the token may be. */
export const workloadTokenRequest = strictObject({
  service: z.string().regex(NAME_PATTERN).meta({ description: "the service the proxy declares in its node metadata" }),
  zone: z.string().regex(NAME_PATTERN).optional().meta({ description: "admit it only in this zone" }),
  ttlSeconds: z
    .int()
    .min(WORKLOAD_TOKEN_MIN_TTL_SECONDS)
    .max(WORKLOAD_TOKEN_MAX_TTL_SECONDS)
    .default(WORKLOAD_TOKEN_DEFAULT_TTL_SECONDS)
    .meta({ description: "seconds, from one minute to one year" }),
});
