import { create } from "@bufbuild/protobuf";
import { parseDurationMs } from "../../contract/duration.js";
import { RetryPolicy_RetryBackOffSchema, RetryPolicySchema, type RetryPolicy } from "../../../gen/envoy/config/route/v3/route_components_pb.js";
import type { MeshRule } from "./mesh-rules.js";
import { durationFromMs } from "./proto-values.js";

/** Envoy's retry condition for `retriable_status_codes`. */
export const RETRIABLE_STATUS_CODES = "retriable-status-codes";

/** Envoy's and grpc-js's default ceiling: ten times the base interval. */
const MAX_BACKOFF_FACTOR = 10;

/** A rule's timeouts in milliseconds: the whole call, and one attempt. */
export interface RuleTimeouts {
  /** route.timeout and max_stream_duration; undefined: none set. */
  callMs: number | undefined;
  /** retry_policy.per_try_timeout; only with retries. */
  perTryMs: number | undefined;
}

/**
 * Gateway API's `timeouts` for Envoy: `request` bounds the whole call;
 * `backendRequest` bounds one attempt, which without retries is the call,
 * so it then tightens the call timeout instead (exact on both proxy kinds).
 *
 * @example ruleTimeouts({ ...rule, timeouts: { request: "10s", backendRequest: "2s" }, retry: undefined }) // { callMs: 2000, perTryMs: undefined }
 */
export function ruleTimeouts(rule: MeshRule): RuleTimeouts {
  const request = rule.timeouts?.request === undefined ? undefined : parseDurationMs(rule.timeouts.request);
  const backend = rule.timeouts?.backendRequest === undefined ? undefined : parseDurationMs(rule.timeouts.backendRequest);
  if (backend === undefined || backend === 0) return { callMs: request, perTryMs: undefined };
  if (rule.retry) return { callMs: request, perTryMs: backend };
  return { callMs: request === undefined || request === 0 ? backend : Math.min(request, backend), perTryMs: undefined };
}

/**
 * A rule's `retry` as Envoy's retry policy: the HTTP codes under
 * `retriable-status-codes` and the gRPC statuses they mean (an HTTPRoute's
 * 503 is also `unavailable`, since gRPC answers arrive as HTTP 200 with a
 * grpc-status) as gRPC conditions, which are also all a proxyless client
 * reads (proxyless-profile.ts keeps only those for it). `backoff` is the
 * base interval, at most ten times that between retries.
 *
 * @example retryPolicy({ attempts: 2, httpCodes: [503], grpcCodes: ["unavailable"], backoff: undefined }, undefined).retryOn // "retriable-status-codes,unavailable"
 */
export function retryPolicy(retry: NonNullable<MeshRule["retry"]>, perTryMs: number | undefined): RetryPolicy {
  const conditions = [...(retry.httpCodes.length > 0 ? [RETRIABLE_STATUS_CODES] : []), ...retry.grpcCodes];
  const policy = create(RetryPolicySchema, { retryOn: conditions.join(","), numRetries: retry.attempts, retriableStatusCodes: retry.httpCodes });
  const backoffMs = retry.backoff === undefined ? undefined : parseDurationMs(retry.backoff);
  if (backoffMs !== undefined) policy.retryBackOff = create(RetryPolicy_RetryBackOffSchema, { baseInterval: durationFromMs(backoffMs), maxInterval: durationFromMs(backoffMs * MAX_BACKOFF_FACTOR) });
  if (perTryMs !== undefined) policy.perTryTimeout = durationFromMs(perTryMs);
  return policy;
}
