import { create } from "@bufbuild/protobuf";
import type { HeaderMatch, RouteMatch } from "../../contract/resource-types.js";
import {
  HeaderMatcherSchema,
  RouteMatchSchema,
  type HeaderMatcher,
  type RouteMatch as EnvoyRouteMatch,
} from "../../../gen/envoy/config/route/v3/route_components_pb.js";

/**
 * A Gateway API match as an Envoy RouteMatch. A match without a path is
 * PathPrefix "/". Note that Envoy's `prefix` compares characters, while
 * Gateway API's PathPrefix compares path elements ("/foo" should not match
 * "/foobar"); grpc-js-xds supports only prefix, path and safe_regex, and gRPC
 * paths ("/pkg.Service/Method") make the difference rarely matter.
 *
 * @example toEnvoyMatch({ path: { type: "Exact", value: "/a.B/C" } }) // path: "/a.B/C"
 */
export function toEnvoyMatch(match: RouteMatch): EnvoyRouteMatch {
  const path = match.path ?? { type: "PathPrefix", value: "/" };
  return create(RouteMatchSchema, {
    pathSpecifier: path.type === "Exact" ? { case: "path", value: path.value } : { case: "prefix", value: path.value },
    headers: (match.headers ?? []).map(toHeaderMatcher),
  });
}

/**
 * Exact -> string_match.exact; RegularExpression -> string_match.safe_regex
 * with the RE2 engine (what Envoy and grpc-js-xds implement; Gateway API
 * leaves the dialect to the implementation).
 */
function toHeaderMatcher(h: HeaderMatch): HeaderMatcher {
  return create(HeaderMatcherSchema, {
    name: h.name,
    headerMatchSpecifier: {
      case: "stringMatch",
      value:
        h.type === "Exact"
          ? { matchPattern: { case: "exact", value: h.value } }
          : { matchPattern: { case: "safeRegex", value: { engineType: { case: "googleRe2", value: {} }, regex: h.value } } },
    },
  });
}
