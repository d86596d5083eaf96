import { RE2JS } from "re2js";
import { z } from "zod";
import { addFault } from "../schema-errors.js";

/**
 * Regular expressions in routes (header, query parameter, path and gRPC
 * method matches) run on two engines, and a pattern must compile on both:
 * Envoy compiles it with RE2 (and refuses programs larger than its default
 * `re2.max_program_size` of 100), and @grpc/grpc-js-xds compiles
 * `^<pattern>$` as a JavaScript RegExp with the `u` flag (its matchers), so
 * a pattern JavaScript refuses (`a\Z`) makes every proxyless client throw.
 * Checking JavaScript's RegExp without `u` (as the API once did) accepts
 * `[]` and `\Z`; RE2 is checked with re2js, a maintained port, rather than
 * hand-written rules.
 */

/** Envoy's default limit on an RE2 program (runtime `re2.max_program_size.error_level`). */
export const MAX_RE2_PROGRAM_SIZE = 100;

const HINT = "route regexes must compile as RE2 (https://github.com/google/re2/wiki/Syntax) and as a JavaScript RegExp with the u flag";

/**
 * Why `pattern` cannot run on some proxy, or undefined when every proxy can
 * compile it. The bridge runs the same check before serving a regex.
 *
 * @example regexProblem("a\\Z") // "JavaScript (proxyless gRPC clients) refuses it: Invalid escape"
 * @example regexProblem("v[0-9]+") // undefined
 */
export function regexProblem(pattern: string): string | undefined {
  let size: number;
  try {
    size = RE2JS.compile(pattern).programSize();
  } catch (err) {
    return `RE2 (Envoy, gRPC) refuses it: ${messageOf(err).replace(/^error parsing regexp: /, "")}`;
  }
  if (size > MAX_RE2_PROGRAM_SIZE) return `its RE2 program has ${size} instructions; Envoy refuses more than ${MAX_RE2_PROGRAM_SIZE}`;
  try {
    new RegExp(`^${pattern}$`, "u");
  } catch (err) {
    return `JavaScript (proxyless gRPC clients) refuses it: ${messageOf(err).replace(/^Invalid regular expression: \/.*\/u: /, "")}`;
  }
  return undefined;
}

/**
 * Reports a fault at `path` (below the value being refined) when `pattern`
 * is a regex some proxy cannot run.
 *
 * @example strictObject({ value: z.string() }).superRefine((h, ctx) => refuseBadRegex(ctx, h.value, ["value"]))
 */
export function refuseBadRegex(ctx: z.RefinementCtx, pattern: string, path: (string | number)[]): void {
  if (!isRegex(pattern)) {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} is not a valid regular expression` }, path);
    return;
  }
  const problem = regexProblem(pattern);
  if (problem) addFault(ctx, { code: "invalid_field", message: (f) => `${f} is not a regular expression every proxy can run: ${problem}`, hint: HINT }, path);
}

/** A syntax error in every dialect, not a difference between engines. */
function isRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
