import { create } from "@bufbuild/protobuf";
import type { PathMatch, RequestMirror, RequestRedirect, UrlRewrite } from "../../contract/resource-types.js";
import {
  RedirectAction_RedirectResponseCode,
  RedirectActionSchema,
  RouteAction_RequestMirrorPolicySchema,
  type RedirectAction,
  type RouteAction,
  type RouteAction_RequestMirrorPolicy,
} from "../../../gen/envoy/config/route/v3/route_components_pb.js";
import { RuntimeFractionalPercentSchema } from "../../../gen/envoy/config/core/v3/base_pb.js";
import { RegexMatchAndSubstituteSchema } from "../../../gen/envoy/type/matcher/v3/regex_pb.js";
import { FractionalPercent_DenominatorType } from "../../../gen/envoy/type/v3/percent_pb.js";
import { mirrorCluster } from "./backends.js";
import type { MeshView } from "./mesh-view.js";
import { re2 } from "./route-match.js";

/** Gateway API's redirect codes; 302 when omitted. */
const REDIRECT_CODE: Record<number, RedirectAction_RedirectResponseCode> = {
  301: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  302: RedirectAction_RedirectResponseCode.FOUND,
  303: RedirectAction_RedirectResponseCode.SEE_OTHER,
  307: RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT,
  308: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT,
};

/** The whole path, for ReplaceFullPath through Envoy's regex rewrite. */
const WHOLE_PATH = "^/.*$";

/**
 * A RequestRedirect filter as Envoy's redirect action. ReplacePrefixMatch
 * replaces the prefix the route matched (the schema allows it only with
 * PathPrefix and Exact matches).
 *
 * @example redirectAction({ scheme: "https", statusCode: 301 }).responseCode // MOVED_PERMANENTLY
 */
export function redirectAction(r: RequestRedirect): RedirectAction {
  const action = create(RedirectActionSchema, { responseCode: REDIRECT_CODE[r.statusCode ?? 302] ?? RedirectAction_RedirectResponseCode.FOUND });
  if (r.scheme) action.schemeRewriteSpecifier = { case: "schemeRedirect", value: r.scheme };
  if (r.hostname) action.hostRedirect = r.hostname;
  if (r.port !== undefined) action.portRedirect = r.port;
  if (r.path?.type === "ReplaceFullPath") action.pathRewriteSpecifier = { case: "pathRedirect", value: r.path.replaceFullPath ?? "/" };
  if (r.path?.type === "ReplacePrefixMatch") action.pathRewriteSpecifier = { case: "prefixRewrite", value: r.path.replacePrefixMatch ?? "/" };
  return action;
}

/**
 * A URLRewrite filter on a route action: the host, and the path (whole, or
 * the prefix the route matched).
 *
 * @example withRewrite(action, { hostname: "api.internal" }).hostRewriteSpecifier // { case: "hostRewriteLiteral", value: "api.internal" }
 */
export function withRewrite(action: RouteAction, rewrite: UrlRewrite, matched: PathMatch): RouteAction {
  if (rewrite.hostname) action.hostRewriteSpecifier = { case: "hostRewriteLiteral", value: rewrite.hostname };
  const path = rewrite.path;
  if (path?.type === "ReplacePrefixMatch") {
    // An Exact match's prefix is the whole path.
    if (matched.type === "Exact") action.regexRewrite = create(RegexMatchAndSubstituteSchema, { pattern: re2(WHOLE_PATH), substitution: path.replacePrefixMatch ?? "/" });
    else action.prefixRewrite = path.replacePrefixMatch ?? "/";
  }
  if (path?.type === "ReplaceFullPath") action.regexRewrite = create(RegexMatchAndSubstituteSchema, { pattern: re2(WHOLE_PATH), substitution: path.replaceFullPath ?? "/" });
  return action;
}

/**
 * RequestMirror filters as Envoy's mirror policies: a share of requests
 * copied to another Service's cluster, answers dropped. A mirror to a
 * Service (or port) the mesh lacks is left out, like such a backend.
 *
 * @example mirrorPolicies(view, [{ backendRef: { name: "audit" }, percent: 10 }])[0]?.cluster // "outbound|8080||audit.default"
 */
export function mirrorPolicies(view: MeshView, mirrors: readonly RequestMirror[]): RouteAction_RequestMirrorPolicy[] {
  return mirrors.flatMap((m) => {
    const cluster = mirrorCluster(view, m.backendRef);
    if (cluster === undefined) return [];
    const policy = create(RouteAction_RequestMirrorPolicySchema, { cluster });
    const fraction = m.fraction ? { numerator: m.fraction.numerator, denominator: m.fraction.denominator } : m.percent !== undefined ? { numerator: m.percent, denominator: 100 } : undefined;
    // Envoy's fractions are per hundred, ten thousand or million: scale to a million.
    if (fraction) {
      policy.runtimeFraction = create(RuntimeFractionalPercentSchema, {
        defaultValue: { numerator: Math.round((fraction.numerator * 1_000_000) / fraction.denominator), denominator: FractionalPercent_DenominatorType.MILLION },
      });
    }
    return [policy];
  });
}
