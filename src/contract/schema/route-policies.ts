import { z } from "zod";
import { parseDurationMs } from "../duration.js";
import { addFault } from "../schema-errors.js";
import { alsoAccepting } from "./also-accepted.js";
import { duration } from "./fields.js";
import { strictObject } from "./strict-object.js";

/**
 * What a rule does to calls beyond choosing a backend: retries (Gateway
 * API GEP-1731 for HTTPRoute; gRPC status names for GRPCRoute) and
 * Edgeplane's fault injection extension.
 */

/** gRPC's status codes by name, as Envoy's `retry_on` spells them; index = code. */
export const GRPC_STATUS_NAMES = [
  "ok", "cancelled", "unknown", "invalid-argument", "deadline-exceeded", "not-found", "already-exists",
  "permission-denied", "resource-exhausted", "failed-precondition", "aborted", "out-of-range",
  "unimplemented", "internal", "unavailable", "data-loss", "unauthenticated",
] as const;
export type GrpcStatusName = (typeof GRPC_STATUS_NAMES)[number];

/** The statuses Envoy and grpc-js-xds can retry on (their only gRPC `retry_on` conditions). */
export const RETRYABLE_GRPC_STATUSES = ["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"] as const;
export type RetryableGrpcStatus = (typeof RETRYABLE_GRPC_STATUSES)[number];

/** `UNAVAILABLE`, `resource_exhausted` and `resource-exhausted` all name one status. */
const normalizeStatus = (v: unknown) => (typeof v === "string" ? v.toLowerCase().replaceAll("_", "-") : v);

/** A status name in any of the spellings the preprocess reads, for JSON Schema (also-accepted.ts). */
function statusName<T extends string>(names: readonly [T, ...T[]], description: string) {
  const spellings = names.flatMap((n) => [n.replaceAll("-", "_"), n.toUpperCase(), n.toUpperCase().replaceAll("-", "_")]);
  return alsoAccepting(z.preprocess(normalizeStatus, z.enum(names)).meta({ description }), [{ type: "string", enum: [...new Set(spellings)] }]);
}

const grpcStatus = statusName(GRPC_STATUS_NAMES.filter((s) => s !== "ok") as [GrpcStatusName, ...GrpcStatusName[]], "a gRPC status name such as unavailable (or UNAVAILABLE)");

const positiveDuration = duration.superRefine((text, ctx) => {
  if (parseDurationMs(text) === 0) addFault(ctx, { code: "invalid_field", message: (f) => `${f} must be longer than 0s` });
});

/** A share of calls, 0 to 100 (fractions allowed); 100 when omitted. */
const percentage = z.number().min(0).max(100).default(100);

/** `fault` on a rule (Edgeplane's extension): fail or delay a share of the calls it matches. */
export const faultSpec = strictObject({
  abort: strictObject({
    percentage,
    httpStatus: z.int().min(200).max(599).optional(),
    grpcStatus: grpcStatus.optional(),
  })
    .superRefine((a, ctx) => {
      if ((a.httpStatus === undefined) === (a.grpcStatus === undefined)) {
        addFault(ctx, { code: a.httpStatus === undefined ? "missing_field" : "invalid_field", message: (f) => `${f} needs exactly one of httpStatus and grpcStatus` }, ["httpStatus"]);
      }
    })
    .optional(),
  delay: strictObject({ percentage, fixedDelay: positiveDuration }).optional(),
}).superRefine((f, ctx) => {
  if (!f.abort && !f.delay) addFault(ctx, { code: "missing_field", message: (p) => `${p} needs abort, delay or both` }, ["abort"]);
});

const attempts = z.int().min(1).max(10).meta({ description: "retries after the first attempt, 1 to 10" });

/** HTTPRoute `retry` (GEP-1731): HTTP status codes; 503 when `codes` is omitted. */
export const httpRetry = strictObject({
  attempts: attempts.optional(),
  codes: z.array(z.int().min(400).max(599)).min(1).max(16).optional(),
  backoff: positiveDuration.optional(),
});

/** GRPCRoute `retry` (Edgeplane's extension): gRPC status names; unavailable when omitted. */
export const grpcRetry = strictObject({
  attempts: attempts.optional(),
  codes: z
    .array(statusName(RETRYABLE_GRPC_STATUSES, "a gRPC status name such as unavailable (or UNAVAILABLE)"))
    .min(1)
    .max(5)
    .meta({ description: `statuses proxies can retry on: ${RETRYABLE_GRPC_STATUSES.join(", ")}` })
    .optional(),
  backoff: positiveDuration.optional(),
});

export { positiveDuration };
