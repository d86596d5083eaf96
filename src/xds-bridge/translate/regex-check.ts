import { regexProblem } from "../../contract/schema/regular-expression.js";
import type { RouteConfiguration } from "../../../gen/envoy/config/route/v3/route_pb.js";
import type { StringMatcher } from "../../../gen/envoy/type/matcher/v3/string_pb.js";

/**
 * Defence in depth for route regexes: the API refuses a regex some proxy
 * cannot compile (src/contract/schema/regular-expression.ts), and the
 * bridge checks what it is about to serve the same way, because a regex
 * grpc-js-xds cannot compile makes every client throw, not NACK. Returns,
 * per route configuration with such a regex, why.
 *
 * @example unservableRegexes(res.routes) // Map { "echo:50051" => 'route "r.rules[0]": header x: ...' }
 */
export function unservableRegexes(routes: readonly RouteConfiguration[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const rc of routes) {
    const problem = rc.virtualHosts.flatMap((vh) => vh.routes.flatMap((route) => regexesOf(route).map((r) => ({ route: route.name, ...r })))).find((r) => r.problem !== undefined);
    if (problem) out.set(rc.name, `route "${problem.route}": ${problem.where} /${problem.regex}/: ${problem.problem}`);
  }
  return out;
}

type Route = RouteConfiguration["virtualHosts"][number]["routes"][number];

function regexesOf(route: Route): { where: string; regex: string; problem: string | undefined }[] {
  const found: { where: string; regex: string }[] = [];
  const match = route.match;
  if (match?.pathSpecifier.case === "safeRegex") found.push({ where: "path", regex: match.pathSpecifier.value.regex });
  for (const h of match?.headers ?? []) {
    const spec = h.headerMatchSpecifier;
    if (spec.case === "safeRegexMatch") found.push({ where: `header ${h.name}`, regex: spec.value.regex });
    if (spec.case === "stringMatch") pushStringRegex(found, `header ${h.name}`, spec.value);
  }
  for (const q of match?.queryParameters ?? []) {
    const spec = q.queryParameterMatchSpecifier;
    if (spec.case === "stringMatch") pushStringRegex(found, `query parameter ${q.name}`, spec.value);
  }
  return found.map((f) => ({ ...f, problem: regexProblem(f.regex) }));
}

function pushStringRegex(found: { where: string; regex: string }[], where: string, m: StringMatcher): void {
  if (m.matchPattern.case === "safeRegex") found.push({ where, regex: m.matchPattern.value.regex });
}
