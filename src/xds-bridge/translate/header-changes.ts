import { create } from "@bufbuild/protobuf";
import { HeaderValueOption_HeaderAppendAction, HeaderValueOptionSchema, type HeaderValueOption } from "../../../gen/envoy/config/core/v3/base_pb.js";
import type { HeaderModifier } from "../../contract/resource-types.js";
import type { RuleFilter } from "./mesh-rules.js";

/** The header fields Envoy has on a route and on each weighted cluster alike. */
export interface HeaderChanges {
  requestHeadersToAdd: HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
}

/**
 * The RequestHeaderModifier and ResponseHeaderModifier filters of a rule
 * (or of one backendRef) as Envoy's header fields: `set` overwrites (or
 * adds), `add` appends, `remove` removes, as Gateway API's HTTPHeaderFilter.
 * Proxyless gRPC clients do not modify headers (proxyless-profile.ts drops
 * these fields for them).
 *
 * @example headerChanges([{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-a", value: "1" }] } }]).requestHeadersToAdd.length // 1
 */
export function headerChanges(filters: readonly RuleFilter[]): HeaderChanges {
  const request = filters.flatMap((f) => (f.type === "RequestHeaderModifier" && f.requestHeaderModifier ? [f.requestHeaderModifier] : []));
  const response = filters.flatMap((f) => (f.type === "ResponseHeaderModifier" && f.responseHeaderModifier ? [f.responseHeaderModifier] : []));
  return {
    requestHeadersToAdd: request.flatMap(options),
    requestHeadersToRemove: request.flatMap((m) => m.remove ?? []),
    responseHeadersToAdd: response.flatMap(options),
    responseHeadersToRemove: response.flatMap((m) => m.remove ?? []),
  };
}

function options(m: HeaderModifier): HeaderValueOption[] {
  const option = (action: HeaderValueOption_HeaderAppendAction) => (h: { name: string; value: string }) =>
    create(HeaderValueOptionSchema, { header: { key: h.name, value: h.value }, appendAction: action });
  return [
    ...(m.set ?? []).map(option(HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)),
    ...(m.add ?? []).map(option(HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)),
  ];
}
