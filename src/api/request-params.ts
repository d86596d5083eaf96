import { parseOrThrow } from "../contract/schema-errors.js";
import { GLOBAL_KINDS, KIND_PLURALS, KINDS, kindFromPlural, type Kind } from "../contract/resource-types.js";
import { ApiError } from "./api-error.js";
import { MAX_REVISION, rollbackRequest } from "./request-schemas.js";

/**
 * Small readers for URL segments, query parameters and headers, each turning
 * a bad value into the ApiError a client can act on. Kept apart from the
 * routes so a later route file (or app.ts) can share them instead of
 * re-parsing the same things slightly differently.
 */

/**
 * The revision in an `If-Match` header, or undefined without one. Accepts the
 * ETag as sent (`"42"`), weak (`W/"42"`) or bare (`42`).
 *
 * @example ifMatchRevision(c.req.header("if-match")) // 42 for '"42"'
 */
export function ifMatchRevision(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(raw);
  if (!m) throw new ApiError("invalid_body", `If-Match "${raw}" is not a revision`, { field: "If-Match", hint: 'send the ETag you read, e.g. If-Match: "42"' });
  return Number(m[1]);
}

/**
 * A whole-number query parameter within bounds, or undefined when absent.
 * Query strings carry no types, so only plain digits are accepted: "1e3" or
 * "12abc" are refused rather than half-read.
 *
 * @example queryInt(c.req.query("limit"), "limit", { min: 1, max: 500 })
 */
export function queryInt(raw: string | undefined, name: string, opts: { min: number; max: number }): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < opts.min || n > opts.max) {
    throw new ApiError("invalid_field", `${name} must be a whole number from ${opts.min} to ${opts.max}; got "${raw}"`, { field: name });
  }
  return n;
}

/**
 * A boolean query parameter, or undefined when absent: `true`/`1` and
 * `false`/`0` (any case). Anything else is refused rather than read as
 * false: `?dryRun=yes` must never perform a real write.
 *
 * @example queryBool(c.req.query("dryRun"), "dryRun") // true for "1"
 */
export function queryBool(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new ApiError("invalid_query", `${name} must be true or false; got "${raw}"`, { field: name, hint: "use true, false, 1 or 0" });
}

/**
 * The `format` query parameter: `yaml` or absent (JSON). Anything else is
 * refused, so a typo does not silently answer in another format.
 *
 * @example queryYaml(c.req.query("format")) // true for "yaml"
 */
export function queryYaml(raw: string | undefined): boolean {
  if (raw === undefined || raw === "json") return false;
  if (raw === "yaml") return true;
  throw new ApiError("invalid_query", `format must be yaml or json; got "${raw}"`, { field: "format", hint: "use format=yaml or leave it out" });
}

/**
 * A revision query parameter (`from`, `to`, `before`).
 *
 * @example queryRevision(c.req.query("from"), "from") // 17 for "17"
 */
export function queryRevision(raw: string | undefined, name: string): number | undefined {
  return queryInt(raw, name, { min: 1, max: MAX_REVISION });
}

/**
 * The body of a rollback request: `{revision: N}` and nothing else, so a
 * misspelt field is refused instead of rolling back to the wrong place.
 *
 * @example readRollbackRevision({ revision: 12 }) // 12
 */
export function readRollbackRevision(doc: unknown): number {
  // Unknown fields first: for `{revison: 3}` the typo is the news, not "revision is required".
  return parseOrThrow(rollbackRequest, doc, { unknownFieldsFirst: true }).revision;
}

/**
 * The kind named by the `{kinds}` segment of a mesh-scoped URL; Mesh and Zone
 * are global, so they are unknown here.
 *
 * @example meshScopedKind("httproutes") // "HTTPRoute"
 */
export function meshScopedKind(plural: string): Kind {
  const kind = kindFromPlural(plural);
  if (!kind || GLOBAL_KINDS.has(kind)) {
    const known = KINDS.filter((k) => !GLOBAL_KINDS.has(k)).map((k) => KIND_PLURALS[k]);
    throw new ApiError("not_found", `unknown resource type "${plural}"`, { hint: `one of ${known.join(", ")}` });
  }
  return kind;
}
