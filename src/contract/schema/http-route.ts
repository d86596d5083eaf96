import { z } from "zod";
import { addFault } from "../schema-errors.js";
import { alsoAccepting } from "./also-accepted.js";
import { duration, MAX_WEIGHT, name, port } from "./fields.js";
import { ignored, omitting, strictObject } from "./strict-object.js";

/**
 * `HTTPRoute.spec` in the shape of Gateway API / GAMMA: a Service as parent,
 * rules with matches and weighted backendRefs.
 */

const group = () => ignored('"" or "core" in GAMMA documents; only Services are referred to here');

/** Only Services can be parents (GAMMA, mesh routing). */
export const parentRef = strictObject({
  group: group(),
  name,
  kind: z.enum(["Service"]).optional(),
  port: port.optional(),
}).transform(omitting(["group"]));

const WEIGHT_HINT = `a whole number from 0 to ${MAX_WEIGHT}; weights are relative to the other backendRefs of the rule`;

/** YAML users write `weight: "80"` as often as `weight: 80`; both are fine. */
const WEIGHT_STRING = /^[0-9]{1,7}$/;
const weight = alsoAccepting(
  z.preprocess((v) => (typeof v === "string" && WEIGHT_STRING.test(v) ? Number(v) : v), z.int().min(0).max(MAX_WEIGHT)).meta({ description: WEIGHT_HINT }),
  [{ type: "string", pattern: WEIGHT_STRING.source }],
);

export const backendRef = strictObject({
  group: group(),
  kind: z.enum(["Service"]).optional(),
  name,
  port: port.optional(),
  /** Relative weight; 1 when omitted (Gateway API). */
  weight: weight.optional(),
}).transform(omitting(["group", "kind"]));

export const pathMatch = strictObject({
  type: z.enum(["PathPrefix", "Exact"]).default("PathPrefix"),
  value: z.string().max(1024).regex(/^\//).meta({ description: 'paths start with "/"' }),
});

export const headerMatch = strictObject({
  type: z.enum(["Exact", "RegularExpression"]).default("Exact"),
  // HTTP/2 and gRPC carry header names in lowercase; Envoy matches them so.
  name: z
    .string()
    .max(256)
    .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~:]+$/)
    .meta({ description: "an HTTP header name" })
    .transform((n) => n.toLowerCase()),
  value: z.string().max(4096),
}).superRefine((h, ctx) => {
  if (h.type !== "RegularExpression") return;
  try {
    new RegExp(h.value);
  } catch {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} is not a valid regular expression` }, ["value"]);
    return;
  }
  // Envoy and gRPC match with RE2, which has no lookaround and no
  // backreferences; such a pattern would be refused (or worse, crash a
  // proxyless client) on every proxy.
  if (/\(\?<?[=!]|\\[1-9]|\\k</.test(h.value)) {
    addFault(
      ctx,
      {
        code: "invalid_field",
        message: (f) => `${f} uses lookaround or a backreference, which RE2 does not support`,
        hint: "proxies match headers with RE2 (https://github.com/google/re2/wiki/Syntax); rewrite without (?=, (?!, (?<=, (?<! or \\1",
      },
      ["value"],
    );
  }
});

export const routeMatch = strictObject({
  path: pathMatch.optional(),
  headers: z.array(headerMatch).max(16).optional(),
});

export const routeRule = strictObject({
  backendRefs: z.array(backendRef).min(1).max(16),
  matches: z.array(routeMatch).max(16).optional(),
  timeouts: strictObject({ request: duration.optional() }).optional(),
});

export const httpRouteSpec = strictObject({
  parentRefs: z.array(parentRef).min(1).max(16),
  rules: z.array(routeRule).min(1).max(64),
});
