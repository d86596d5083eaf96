import type { PathMatch, RouteMatch } from "../../contract/resource-types.js";
import { compareStrings } from "./compare.js";
import { meshRules, type MeshRule } from "./mesh-rules.js";
import type { AnyRoute, MeshView, Service } from "./mesh-view.js";

/** One (route rule x match) pair: becomes one Envoy route. */
export interface RuleMatch {
  route: AnyRoute;
  ruleIndex: number;
  rule: MeshRule;
  /** undefined for a rule without matches, which matches everything. */
  matchIndex: number | undefined;
  match: RouteMatch;
}

/** What a match without a path (or a rule without matches) means in Gateway API. */
const ANY_PATH: PathMatch = { type: "PathPrefix", value: "/" };
const MATCH_ALL: RouteMatch = { path: ANY_PATH };

/**
 * The HTTPRoutes and GRPCRoutes attached to one service port (GAMMA): a
 * parentRef names the service and either has no port or this port.
 *
 * @example attachedRoutes(view, echo, 8080).map((r) => r.metadata.name) // ["split"]
 */
export function attachedRoutes(view: MeshView, service: Service, port: number): AnyRoute[] {
  const name = service.metadata.name;
  return view.routes.filter((r) =>
    r.spec.parentRefs.some((p) => (p.kind ?? "Service") === "Service" && p.name === name && (p.port === undefined || p.port === port)),
  );
}

/**
 * Every (rule x match) of `routes`, in Gateway API precedence order: Envoy
 * and grpc-js take the first route that matches, so the most specific goes
 * first. Exact paths, then regular expressions, then prefixes (longer paths
 * first within each kind), then a method match, then more header matches,
 * then more query parameter matches; ties by route name (an HTTPRoute
 * before a GRPCRoute of the same name), rule index and match index (our
 * stand-in for the spec's "oldest route first", which the zone model cannot
 * know). GRPCRoute matches compare as the paths they mean
 * (grpc-method-path.ts).
 *
 * @example orderedRuleMatches([route]).map((m) => m.match.path?.value) // ["/a/b", "/a", "/"]
 */
export function orderedRuleMatches(routes: readonly AnyRoute[]): RuleMatch[] {
  const out: RuleMatch[] = [];
  for (const route of routes) {
    meshRules(route).forEach((rule, ruleIndex) => {
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
    Number(b.match.method !== undefined) - Number(a.match.method !== undefined) ||
    (b.match.headers?.length ?? 0) - (a.match.headers?.length ?? 0) ||
    (b.match.queryParams?.length ?? 0) - (a.match.queryParams?.length ?? 0) ||
    compareStrings(a.route.metadata.name, b.route.metadata.name) ||
    compareStrings(a.route.kind, b.route.kind) ||
    a.ruleIndex - b.ruleIndex ||
    (a.matchIndex ?? -1) - (b.matchIndex ?? -1)
  );
}

function pathKindRank(type: PathMatch["type"]): number {
  return type === "Exact" ? 0 : type === "RegularExpression" ? 1 : 2;
}
