import { z } from "zod";
import { alsoAccepting } from "./also-accepted.js";
import { MAX_WEIGHT, name, port } from "./fields.js";
import { omitting, strictObject, unsupported } from "./strict-object.js";

/**
 * What routes (HTTPRoute, GRPCRoute) refer to, in Gateway API's shape: a
 * Service as parent (GAMMA), Services as backends. `group` is "" (or "core")
 * in GAMMA documents; anything else names a kind Edgeplane has not.
 * `namespace` is kept only to be checked against the route's own mesh
 * (cross-mesh references are refused, see ref-namespaces.ts).
 */

const group = z
  .enum(["", "core"])
  .meta({ description: '"" or "core": only core Services are parents and backends in a mesh' })
  .optional();

const namespace = name.meta({ description: "the route's own namespace (mesh); references across meshes are not supported" }).optional();

/** Only Services can be parents (GAMMA, mesh routing). */
export const parentRef = strictObject({
  group,
  name,
  kind: z.enum(["Service"]).optional(),
  namespace,
  port: port.optional(),
  sectionName: unsupported("a Service parent is chosen by port; use port"),
}).transform(omitting(["group", "sectionName"]));

const WEIGHT_HINT = `a whole number from 0 to ${MAX_WEIGHT}; weights are relative to the other backendRefs of the rule`;

/** YAML users write `weight: "80"` as often as `weight: 80`; both are fine. */
const WEIGHT_STRING = /^[0-9]{1,7}$/;
export const weight = alsoAccepting(
  z.preprocess((v) => (typeof v === "string" && WEIGHT_STRING.test(v) ? Number(v) : v), z.int().min(0).max(MAX_WEIGHT)).meta({ description: WEIGHT_HINT }),
  [{ type: "string", pattern: WEIGHT_STRING.source }],
);

/** A Service a route sends to, or mirrors to: no weight. */
export const serviceRef = strictObject({
  group,
  kind: z.enum(["Service"]).optional(),
  name,
  namespace,
  port: port.optional(),
}).transform(omitting(["group", "kind"]));

/**
 * A weighted backend, with the filters that apply only to traffic sent to
 * it (`filters` is the schema of those, which differs by route kind).
 *
 * @example backendRefOf(backendFilter)
 */
export function backendRefOf<F extends z.ZodType>(filters: F) {
  return strictObject({
    group,
    kind: z.enum(["Service"]).optional(),
    name,
    namespace,
    port: port.optional(),
    /** Relative weight; 1 when omitted (Gateway API). */
    weight: weight.optional(),
    filters: z.array(filters).max(16).optional(),
  }).transform(omitting(["group", "kind"]));
}
