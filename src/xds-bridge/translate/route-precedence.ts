import type { PathMatch, RouteMatch, RouteRule } from "../../contract/resource-types.js";
import { compareStrings } from "./compare.js";
import type { HTTPRoute, MeshView, Service } from "./mesh-view.js";

/** One (HTTPRoute rule x match) pair: becomes one Envoy route. */
export interface RuleMatch {
  route: HTTPRoute;
  ruleIndex: number;
  rule: RouteRule;
  /** undefined for a rule without matches, which matches everything. */
  matchIndex: number | undefined;
  match: RouteMatch;
}

/** What a match without a path (or a rule without matches) means in Gateway API. */
const ANY_PATH: PathMatch = { type: "PathPrefix", value: "/" };
const MATCH_ALL: RouteMatch = { path: ANY_PATH };

/**
 * The HTTPRoutes attached to one service port (GAMMA): a parentRef names the
 * service and either has no port or this port.
 *
 * @example attachedRoutes(view, echo, 8080).map((r) => r.metadata.name) // ["split"]
 */
export function attachedRoutes(view: MeshView, service: Service, port: number): HTTPRoute[] {
  const name = service.metadata.name;
  return view.routes.filter((r) =>
    r.spec.parentRefs.some((p) => (p.kind ?? "Service") === "Service" && p.name === name && (p.port === undefined || p.port === port)),
  );
}

/**
 * Every (rule x match) of `routes`, in Gateway API precedence order: Envoy
 * and grpc-js take the first route that matches, so the most specific goes
 * first. Exact paths, then longer paths, then more header matches; ties by
 * HTTPRoute name, rule index and match index (our stand-in for the spec's
 * "oldest route first", which the zone model cannot know).
 *
 * @example orderedRuleMatches([route]).map((m) => m.match.path?.value) // ["/a/b", "/a", "/"]
 */
export function orderedRuleMatches(routes: readonly HTTPRoute[]): RuleMatch[] {
  const out: RuleMatch[] = [];
  for (const route of routes) {
    route.spec.rules.forEach((rule, ruleIndex) => {
      const matches = rule.matches ?? [];
      if (matches.length === 0) out.push({ route, ruleIndex, rule, matchIndex: undefined, match: MATCH_ALL });
      matches.forEach((match, matchIndex) => out.push({ route, ruleIndex, rule, matchIndex, match }));
    });
  }
  return out.sort(comparePrecedence);
}

/**
 * Negative when `a` must be tried before `b`.
 *
 * @example comparePrecedence(exactMatch, prefixMatch) < 0 // true
 */
export function comparePrecedence(a: RuleMatch, b: RuleMatch): number {
  const pa = a.match.path ?? ANY_PATH;
  const pb = b.match.path ?? ANY_PATH;
  return (
    pathKindRank(pa.type) - pathKindRank(pb.type) ||
    pb.value.length - pa.value.length ||
    (b.match.headers?.length ?? 0) - (a.match.headers?.length ?? 0) ||
    compareStrings(a.route.metadata.name, b.route.metadata.name) ||
    a.ruleIndex - b.ruleIndex ||
    (a.matchIndex ?? -1) - (b.matchIndex ?? -1)
  );
}

function pathKindRank(type: "Exact" | "PathPrefix"): number {
  return type === "Exact" ? 0 : 1;
}
