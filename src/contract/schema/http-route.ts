import { z } from "zod";
import { parseDurationMs } from "../duration.js";
import { addFault } from "../schema-errors.js";
import { duration, name } from "./fields.js";
import { refuseBadRegex } from "./regular-expression.js";
import { backendFilter, headerName, httpRouteFilter } from "./route-filters.js";
import { faultSpec, httpRetry } from "./route-policies.js";
import { backendRefOf, parentRef } from "./route-refs.js";
import { strictObject, unsupported } from "./strict-object.js";

/**
 * `HTTPRoute.spec` in the shape of Gateway API / GAMMA (gateway.networking.k8s.io/v1):
 * a Service as parent, rules with matches, filters and weighted backendRefs,
 * timeouts and retries (GEP-1731), plus Edgeplane's `fault`. Field names
 * and semantics are Gateway API's; fields Edgeplane does not implement are
 * refused (unsupported_field), not dropped.
 */

const REGEX = "RegularExpression";

function checkRegex(ctx: z.RefinementCtx, type: string, value: string, path: (string | number)[]): void {
  if (type === REGEX) refuseBadRegex(ctx, value, path);
}

export const pathMatch = strictObject({
  type: z.enum(["PathPrefix", "Exact", REGEX]).default("PathPrefix"),
  value: z.string().max(1024).default("/"),
}).superRefine((p, ctx) => {
  if (p.type !== REGEX && !p.value.startsWith("/")) addFault(ctx, { code: "invalid_field", message: (f) => `${f} "${p.value}" does not start with "/"`, hint: 'paths start with "/"' }, ["value"]);
  checkRegex(ctx, p.type, p.value, ["value"]);
});

export const headerMatch = strictObject({
  type: z.enum(["Exact", REGEX]).default("Exact"),
  name: headerName,
  value: z.string().max(4096),
}).superRefine((h, ctx) => checkRegex(ctx, h.type, h.value, ["value"]));

export const queryParamMatch = strictObject({
  type: z.enum(["Exact", REGEX]).default("Exact"),
  // Query parameter names are case-sensitive (Gateway API).
  name: z.string().min(1).max(256).regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/).meta({ description: "a query parameter name" }),
  value: z.string().max(1024),
}).superRefine((q, ctx) => checkRegex(ctx, q.type, q.value, ["value"]));

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"] as const;

export const routeMatch = strictObject({
  path: pathMatch.optional(),
  headers: z.array(headerMatch).max(16).optional(),
  queryParams: z.array(queryParamMatch).max(16).optional(),
  method: z.enum(HTTP_METHODS).optional(),
});

export const backendRef = backendRefOf(backendFilter);

const timeouts = strictObject({
  /** The whole request, retries included; "0s" means none. */
  request: duration.optional(),
  /** One attempt to a backend; at most `request`. */
  backendRequest: duration.optional(),
}).superRefine((t, ctx) => {
  const request = t.request === undefined ? undefined : parseDurationMs(t.request);
  const backend = t.backendRequest === undefined ? undefined : parseDurationMs(t.backendRequest);
  if (request !== undefined && backend !== undefined && request > 0 && backend > request) {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} is longer than request`, hint: "Gateway API: backendRequest must not exceed request" }, ["backendRequest"]);
  }
});

export const routeRule = strictObject({
  name: name.optional(),
  matches: z.array(routeMatch).max(16).optional(),
  filters: z.array(httpRouteFilter).max(16).optional(),
  backendRefs: z.array(backendRef).max(16).optional(),
  timeouts: timeouts.optional(),
  retry: httpRetry.optional(),
  fault: faultSpec.optional(),
  sessionPersistence: unsupported("session persistence is not implemented"),
}).superRefine((rule, ctx) => {
  const types = (rule.filters ?? []).map((f) => f.type);
  const redirect = types.includes("RequestRedirect");
  types.forEach((t, i) => {
    if (t !== "RequestMirror" && types.indexOf(t) !== i) addFault(ctx, { code: "invalid_field", message: (f) => `${f} repeats filter type ${t}` }, ["filters", i, "type"]);
  });
  if (redirect && types.includes("URLRewrite")) {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} cannot both redirect and rewrite`, hint: "Gateway API: RequestRedirect and URLRewrite exclude each other" }, ["filters"]);
  }
  const backends = rule.backendRefs?.length ?? 0;
  if (redirect && backends > 0) {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} would never be used: the rule redirects`, hint: "remove backendRefs from a rule with RequestRedirect" }, ["backendRefs"]);
  }
  if (!redirect && backends === 0) addFault(ctx, { code: "missing_field", message: (f) => `${f} needs at least 1 item(s)`, hint: "a rule sends to backendRefs, or redirects" }, ["backendRefs"]);
  const prefixRewrite = (rule.filters ?? []).some((f) => (f.urlRewrite ?? f.requestRedirect)?.path?.type === "ReplacePrefixMatch");
  if (prefixRewrite && (rule.matches ?? []).some((m) => m.path?.type === REGEX)) {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} uses ReplacePrefixMatch, which needs PathPrefix or Exact path matches`, hint: "Gateway API: ReplacePrefixMatch replaces the prefix a PathPrefix match matched" }, ["filters"]);
  }
});

export const httpRouteSpec = strictObject({
  parentRefs: z.array(parentRef).min(1).max(16),
  hostnames: unsupported("mesh routes (GAMMA) attach to Services and match every host name they are called by"),
  rules: z.array(routeRule).min(1).max(64),
});
