import type { GrpcMethodMatch, PathMatch } from "./resource-types.js";

/**
 * A GRPCRoute method match as the HTTP/2 path match it means: gRPC calls
 * `/<service>/<method>`. Exact service and method: that exact path; service
 * only: the prefix `/<service>/`; method only, or regular expressions: a
 * regex over the whole path (each part in a group, so an alternation stays
 * inside its part). Shared by validation (the composed regex must compile
 * on every proxy) and translation.
 *
 * @example grpcMethodPath({ type: "Exact", service: "demo.Echo", method: "Call" }) // { type: "Exact", value: "/demo.Echo/Call" }
 * @example grpcMethodPath({ type: "Exact", service: "demo.Echo" }) // { type: "PathPrefix", value: "/demo.Echo/" }
 */
export function grpcMethodPath(m: GrpcMethodMatch): PathMatch {
  if (m.type === "Exact") {
    if (m.service && m.method) return { type: "Exact", value: `/${m.service}/${m.method}` };
    if (m.service) return { type: "PathPrefix", value: `/${m.service}/` };
    return { type: "RegularExpression", value: `/[^/]+/${escapeRegex(m.method ?? "")}` };
  }
  const part = (p: string | undefined) => (p ? `(?:${p})` : "[^/]+");
  return { type: "RegularExpression", value: `/${part(m.service)}/${part(m.method)}` };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
