import { create } from "@bufbuild/protobuf";
import { anyPack, type Any } from "@bufbuild/protobuf/wkt";
import { GRPC_STATUS_NAMES } from "../../contract/schema/route-policies.js";
import type { FaultSpec } from "../../contract/resource-types.js";
import { FractionalPercent_DenominatorType, FractionalPercentSchema, type FractionalPercent } from "../../../gen/envoy/type/v3/percent_pb.js";
import { FaultDelaySchema } from "../../../gen/envoy/extensions/filters/common/fault/v3/fault_pb.js";
import { FaultAbortSchema, HTTPFaultSchema, type HTTPFault } from "../../../gen/envoy/extensions/filters/http/fault/v3/fault_pb.js";
import { HttpFilterSchema, type HttpFilter } from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { parseDurationMs } from "../../contract/duration.js";
import { durationFromMs } from "./proto-values.js";

/**
 * Fault injection (a rule's `fault`): Envoy's fault filter sits before the
 * router in every outbound connection manager, proxyless and sidecar, with
 * no faults of its own; a route that injects faults overrides it in
 * `typed_per_filter_config`, keyed by this name (grpc-js-xds looks overrides
 * up by the filter's name, not its type URL).
 */
export const FAULT_FILTER_NAME = "envoy.filters.http.fault";

/**
 * The fault filter for an HttpConnectionManager's filter list.
 *
 * @example rdsConnectionManager(...).httpFilters.map((f) => f.name) // ["envoy.filters.http.fault", "envoy.filters.http.router"]
 */
export function faultFilter(): HttpFilter {
  return create(HttpFilterSchema, { name: FAULT_FILTER_NAME, configType: { case: "typedConfig", value: anyPack(HTTPFaultSchema, create(HTTPFaultSchema)) } });
}

/**
 * A rule's `fault` as the per-route HTTPFault override. An abort names an
 * HTTP status (grpc-js-xds turns it into a gRPC status by gRPC's table) or
 * a gRPC status; percentages become fractions of a million when they are
 * not whole.
 *
 * @example faultOverride({ abort: { percentage: 50, grpcStatus: "unavailable" } }).typeUrl // "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"
 */
export function faultOverride(spec: FaultSpec): Any {
  return anyPack(HTTPFaultSchema, httpFault(spec));
}

/** The HTTPFault message of a rule's `fault`. */
export function httpFault(spec: FaultSpec): HTTPFault {
  const fault = create(HTTPFaultSchema);
  if (spec.delay) {
    fault.delay = create(FaultDelaySchema, {
      faultDelaySecifier: { case: "fixedDelay", value: durationFromMs(parseDurationMs(spec.delay.fixedDelay) ?? 0) },
      percentage: fractionOf(spec.delay.percentage),
    });
  }
  if (spec.abort) {
    const { httpStatus, grpcStatus } = spec.abort;
    fault.abort = create(FaultAbortSchema, {
      errorType: grpcStatus !== undefined ? { case: "grpcStatus", value: GRPC_STATUS_NAMES.indexOf(grpcStatus) } : { case: "httpStatus", value: httpStatus ?? 503 },
      percentage: fractionOf(spec.abort.percentage),
    });
  }
  return fault;
}

/**
 * `percent` (0 to 100) as a FractionalPercent: per hundred when whole,
 * else per million.
 *
 * @example fractionOf(12.5) // { numerator: 125000, denominator: MILLION }
 */
export function fractionOf(percent: number): FractionalPercent {
  if (Number.isInteger(percent)) return create(FractionalPercentSchema, { numerator: percent, denominator: FractionalPercent_DenominatorType.HUNDRED });
  return create(FractionalPercentSchema, { numerator: Math.round(percent * 10_000), denominator: FractionalPercent_DenominatorType.MILLION });
}
