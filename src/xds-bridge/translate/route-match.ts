import { create } from "@bufbuild/protobuf";
import type { HeaderMatch, QueryParamMatch, RouteMatch } from "../../contract/resource-types.js";
import {
  HeaderMatcherSchema,
  QueryParameterMatcherSchema,
  RouteMatchSchema,
  type HeaderMatcher,
  type QueryParameterMatcher,
  type RouteMatch as EnvoyRouteMatch,
} from "../../../gen/envoy/config/route/v3/route_components_pb.js";
import { StringMatcherSchema, type StringMatcher } from "../../../gen/envoy/type/matcher/v3/string_pb.js";
import { RegexMatcherSchema, type RegexMatcher } from "../../../gen/envoy/type/matcher/v3/regex_pb.js";

/** The pseudo-header Envoy matches an HTTP method on (Gateway API `method`). */
export const METHOD_HEADER = ":method";

/**
 * A Gateway API match as an Envoy RouteMatch. A match without a path is
 * PathPrefix "/". Note that Envoy's `prefix` compares characters, while
 * Gateway API's PathPrefix compares path elements ("/foo" should not match
 * "/foobar"); grpc-js-xds supports only prefix, path and safe_regex, and gRPC
 * paths ("/pkg.Service/Method") make the difference rarely matter. `method`
 * is a `:method` header match; query parameters are Envoy's query parameter
 * matchers (proxyless-profile.ts says what gRPC clients make of both).
 *
 * @example toEnvoyMatch({ path: { type: "Exact", value: "/a.B/C" } }) // path: "/a.B/C"
 */
export function toEnvoyMatch(match: RouteMatch): EnvoyRouteMatch {
  const path = match.path ?? { type: "PathPrefix", value: "/" };
  const methodHeader: HeaderMatch[] = match.method ? [{ type: "Exact", name: METHOD_HEADER, value: match.method }] : [];
  return create(RouteMatchSchema, {
    pathSpecifier:
      path.type === "Exact"
        ? { case: "path", value: path.value }
        : path.type === "RegularExpression"
          ? { case: "safeRegex", value: re2(path.value) }
          : { case: "prefix", value: path.value },
    headers: [...methodHeader, ...(match.headers ?? [])].map(toHeaderMatcher),
    queryParameters: (match.queryParams ?? []).map(toQueryParameterMatcher),
  });
}

/**
 * Exact -> string_match.exact; RegularExpression -> string_match.safe_regex
 * with the RE2 engine (what Envoy and grpc-js-xds implement; Gateway API
 * leaves the dialect to the implementation).
 */
function toHeaderMatcher(h: HeaderMatch): HeaderMatcher {
  return create(HeaderMatcherSchema, { name: h.name, headerMatchSpecifier: { case: "stringMatch", value: stringMatcher(h) } });
}

function toQueryParameterMatcher(q: QueryParamMatch): QueryParameterMatcher {
  return create(QueryParameterMatcherSchema, { name: q.name, queryParameterMatchSpecifier: { case: "stringMatch", value: stringMatcher(q) } });
}

function stringMatcher(m: { type: "Exact" | "RegularExpression"; value: string }): StringMatcher {
  return create(StringMatcherSchema, {
    matchPattern: m.type === "Exact" ? { case: "exact", value: m.value } : { case: "safeRegex", value: re2(m.value) },
  });
}

/** A safe_regex; `google_re2 {}` is deprecated but what grpc-js-xds and older Envoys expect to see. */
export function re2(regex: string): RegexMatcher {
  return create(RegexMatcherSchema, { engineType: { case: "googleRe2", value: {} }, regex });
}
