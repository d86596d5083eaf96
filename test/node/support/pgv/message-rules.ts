import { isMessage } from "@bufbuild/protobuf";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { AnySchema, DurationSchema, isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { DurationRulesSchema, type FieldRules } from "../../../../gen/validate/validate_pb.js";
import { boundsOf, checkBounds, type Num } from "./numeric-bounds.js";
import { scalarFindings } from "./scalar-rules.js";

/**
 * Whether `rules` demand that a message field be set: `message.required`,
 * or `required` of the duration, timestamp and any rule kinds.
 *
 * @example isRequired(fieldRules(RdsSchema.field.configSource)!) // true
 */
export function isRequired(rules: FieldRules): boolean {
  if (rules.message?.required) return true;
  const kind = rules.type;
  return (kind.case === "duration" || kind.case === "timestamp" || kind.case === "any") && kind.value.required;
}

/**
 * The verdicts of `rules` on a message field that is set: scalar rules on
 * the value inside a wrapper (UInt32Value, ...), Duration const/lt/lte/gt/gte/
 * in/not_in, Any in/not_in on the type URL. Timestamp bounds are ignored:
 * lt_now and within would make the verdict depend on the clock.
 *
 * @example messageValueFindings(connectTimeoutRules, reflect(DurationSchema, create(DurationSchema, { seconds: -1n }))) // ["must be greater than 0s"]
 */
export function messageValueFindings(rules: FieldRules, value: ReflectMessage): string[] {
  const kind = rules.type;
  if (isWrapperDesc(value.desc)) return scalarFindings(rules, value.get(value.desc.fields[0]));
  if (kind.case === "duration") {
    const nanos = nanosOf(value.message);
    return nanos === undefined ? [] : checkBounds(nanos, boundsOf(DurationRulesSchema, kind.value, nanosOf), showDuration);
  }
  if (kind.case === "any" && isMessage(value.message, AnySchema)) {
    const typeUrl = value.message.typeUrl;
    if (kind.value.in.length > 0 && !kind.value.in.includes(typeUrl)) return [`type URL must be in list [${kind.value.in.join(", ")}]`];
    if (kind.value.notIn.includes(typeUrl)) return [`type URL must not be in list [${kind.value.notIn.join(", ")}]`];
  }
  return [];
}

/** A Duration as nanoseconds, so durations compare like the other numbers. */
function nanosOf(v: unknown): bigint | undefined {
  return isMessage(v, DurationSchema) ? v.seconds * 1_000_000_000n + BigInt(v.nanos) : undefined;
}

/** @example showDuration(1_500_000_000n) // "1.5s" */
function showDuration(n: Num): string {
  const nanos = BigInt(n);
  const sign = nanos < 0n ? "-" : "";
  const abs = nanos < 0n ? -nanos : nanos;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${sign}${abs / 1_000_000_000n}${frac ? `.${frac}` : ""}s`;
}
