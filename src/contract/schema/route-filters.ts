import { z } from "zod";
import { addFault } from "../schema-errors.js";
import { port } from "./fields.js";
import { serviceRef } from "./route-refs.js";
import { strictObject } from "./strict-object.js";

/**
 * Gateway API's route filters, with its names: one object per filter, whose
 * `type` says which of the other fields it carries (exactly that one).
 * HTTPRoute rules take all of them; GRPCRoute rules and backendRefs the
 * subsets Gateway API gives them.
 */

/** HTTP/2 and gRPC carry header names in lowercase; Envoy matches them so. */
export const headerName = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~:]+$/)
  .meta({ description: "an HTTP header name" })
  .transform((n) => n.toLowerCase());

const httpHeader = strictObject({ name: headerName, value: z.string().max(4096) });

/** `set` replaces, `add` appends, `remove` deletes (Gateway API HTTPHeaderFilter). */
export const headerModifier = strictObject({
  set: z.array(httpHeader).max(16).optional(),
  add: z.array(httpHeader).max(16).optional(),
  remove: z.array(headerName).max(16).optional(),
});

const PATH_HINT = 'paths start with "/"';
const path = z.string().max(1024).regex(/^\//).meta({ description: PATH_HINT });

/** How a rewrite or redirect changes the path (HTTPPathModifier). */
export const pathModifier = strictObject({
  type: z.enum(["ReplaceFullPath", "ReplacePrefixMatch"]),
  replaceFullPath: path.optional(),
  replacePrefixMatch: path.optional(),
}).superRefine((p, ctx) => {
  const want = p.type === "ReplaceFullPath" ? "replaceFullPath" : "replacePrefixMatch";
  const other = p.type === "ReplaceFullPath" ? "replacePrefixMatch" : "replaceFullPath";
  if (p[want] === undefined) addFault(ctx, { code: "missing_field", message: (f) => `${f} is required with type ${p.type}` }, [want]);
  if (p[other] !== undefined) addFault(ctx, { code: "invalid_field", message: (f) => `${f} does not go with type ${p.type}` }, [other]);
});

const hostname = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/)
  .meta({ description: "a host name such as echo.example.com" });

export const requestRedirect = strictObject({
  scheme: z.enum(["http", "https"]).optional(),
  hostname: hostname.optional(),
  path: pathModifier.optional(),
  port: port.optional(),
  /** Gateway API: 302 when omitted. */
  statusCode: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).optional(),
});

export const urlRewrite = strictObject({ hostname: hostname.optional(), path: pathModifier.optional() });

/** A copy of each request (or of `percent` of them) to another Service; its answers are dropped. */
export const requestMirror = strictObject({
  backendRef: serviceRef,
  percent: z.int().min(0).max(100).optional(),
  fraction: strictObject({ numerator: z.int().min(0), denominator: z.int().min(1).default(100) }).optional(),
}).superRefine((m, ctx) => {
  if (m.percent !== undefined && m.fraction !== undefined) {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} and percent are two ways to say one thing; give one` }, ["fraction"]);
  }
  if (m.fraction && m.fraction.numerator > m.fraction.denominator) {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} is more than the denominator` }, ["fraction", "numerator"]);
  }
});

/** Which field each filter type carries. */
const FILTER_FIELDS = {
  RequestHeaderModifier: "requestHeaderModifier",
  ResponseHeaderModifier: "responseHeaderModifier",
  RequestMirror: "requestMirror",
  RequestRedirect: "requestRedirect",
  URLRewrite: "urlRewrite",
  ExtensionRef: "extensionRef",
} as const;

export type FilterType = keyof typeof FILTER_FIELDS;

const fields = {
  requestHeaderModifier: headerModifier.optional(),
  responseHeaderModifier: headerModifier.optional(),
  requestMirror: requestMirror.optional(),
  requestRedirect: requestRedirect.optional(),
  urlRewrite: urlRewrite.optional(),
  extensionRef: z.unknown().optional(),
};

/**
 * A filter that takes the `types` listed; ExtensionRef (and any type not
 * listed that Gateway API has) is refused as unsupported rather than unknown.
 */
function filterOf<T extends FilterType>(types: readonly [T, ...T[]], where: string) {
  return strictObject({ type: z.enum(Object.keys(FILTER_FIELDS) as [FilterType, ...FilterType[]]), ...fields }).superRefine((f, ctx) => {
    if (!(types as readonly string[]).includes(f.type)) {
      addFault(ctx, { code: "unsupported_field", message: (p) => `${p} ${f.type} is not supported ${where}`, hint: `use one of ${types.join(", ")}` }, ["type"]);
      return;
    }
    const own = FILTER_FIELDS[f.type];
    if (f[own] === undefined) addFault(ctx, { code: "missing_field", message: (p) => `${p} is required with type ${f.type}` }, [own]);
    for (const key of Object.values(FILTER_FIELDS)) {
      if (key !== own && f[key] !== undefined) addFault(ctx, { code: "invalid_field", message: (p) => `${p} does not go with type ${f.type}` }, [key]);
    }
  }) as unknown as z.ZodType<FilterOf<T>>;
}

type FieldOutputs = { [K in keyof typeof fields]: z.output<(typeof fields)[K]> };
/** The parsed filter: its type and the one field that type carries. */
export type FilterOf<T extends FilterType> = { type: T } & Partial<Omit<FieldOutputs, "extensionRef">>;

/** HTTPRoute rule filters. */
export const httpRouteFilter = filterOf(["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite"], "in HTTPRoute rules");

/** GRPCRoute rule filters (Gateway API has no redirects or rewrites for gRPC). */
export const grpcRouteFilter = filterOf(["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror"], "in GRPCRoute rules");

/** Filters of one backendRef: header changes for the traffic sent to it. */
export const backendFilter = filterOf(["RequestHeaderModifier", "ResponseHeaderModifier"], "on a backendRef");
