import type { DescMessage, Message } from "@bufbuild/protobuf";
import { isReflectMessage, reflect } from "@bufbuild/protobuf/reflect";

/** A number as PGV compares it: 64-bit fields and Durations (in nanoseconds) are bigints. */
export type Num = number | bigint;

/** The range rules every numeric PGV rule kind shares, and DurationRules too. */
export interface Bounds {
  const?: Num;
  lt?: Num;
  lte?: Num;
  gt?: Num;
  gte?: Num;
  in: Num[];
  notIn: Num[];
}

/**
 * Reads const/lt/lte/gt/gte/in/not_in from any PGV numeric rules message.
 * Those fields are proto2 `optional`: only the ones the annotation sets
 * count (an unset `gt` reads as 0 and must not become "greater than 0").
 * `convert` turns a value into a Num, e.g. a Duration into nanoseconds.
 *
 * @example boundsOf(UInt32RulesSchema, rules, numOf) // { lte: 65535, in: [], notIn: [] }
 */
export function boundsOf(desc: DescMessage, rules: Message, convert: (v: unknown) => Num | undefined): Bounds {
  const r = reflect(desc, rules);
  const one = (name: string): Num | undefined => {
    const field = desc.fields.find((f) => f.name === name);
    return field && r.isSet(field) ? convert(field.fieldKind === "message" ? r.get(field).message : r.get(field)) : undefined;
  };
  const many = (name: string): Num[] => {
    const field = desc.fields.find((f) => f.name === name);
    if (field?.fieldKind !== "list") return [];
    const out: Num[] = [];
    for (const item of r.get(field)) {
      const n = convert(isReflectMessage(item) ? item.message : item);
      if (n !== undefined) out.push(n);
    }
    return out;
  };
  const b: Bounds = { in: many("in"), notIn: many("not_in") };
  for (const key of ["const", "lt", "lte", "gt", "gte"] as const) {
    const v = one(key);
    if (v !== undefined) b[key] = v;
  }
  return b;
}

/** @example numOf(3) // 3; numOf("x") // undefined */
export function numOf(v: unknown): Num | undefined {
  return typeof v === "number" || typeof v === "bigint" ? v : undefined;
}

function cmp(a: Num, b: Num): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The PGV verdicts on `value`, worded like PGV's own messages. With both a
 * lower and an upper bound, PGV reads lower < upper as "inside the range"
 * and lower >= upper as "outside the reversed range".
 *
 * @example checkBounds(0, { gt: 0, in: [], notIn: [] }, String) // ["must be greater than 0"]
 */
export function checkBounds(value: Num, b: Bounds, show: (n: Num) => string): string[] {
  const out: string[] = [];
  if (b.const !== undefined && cmp(value, b.const) !== 0) out.push(`must equal ${show(b.const)}`);
  const range = rangeFinding(value, b, show);
  if (range) out.push(range);
  if (b.in.length > 0 && !b.in.some((x) => cmp(x, value) === 0)) out.push(`must be in list [${b.in.map(show).join(", ")}]`);
  if (b.notIn.some((x) => cmp(x, value) === 0)) out.push(`must not be in list [${b.notIn.map(show).join(", ")}]`);
  return out;
}

function rangeFinding(value: Num, b: Bounds, show: (n: Num) => string): string | undefined {
  const upper = b.lt ?? b.lte;
  const lower = b.gt ?? b.gte;
  const belowUpper = upper === undefined || (b.lt !== undefined ? cmp(value, upper) < 0 : cmp(value, upper) <= 0);
  const aboveLower = lower === undefined || (b.gt !== undefined ? cmp(value, lower) > 0 : cmp(value, lower) >= 0);
  if (upper !== undefined && lower !== undefined) {
    if (cmp(upper, lower) > 0) {
      if (belowUpper && aboveLower) return undefined;
      const open = b.gt !== undefined ? "(" : "[";
      const close = b.lt !== undefined ? ")" : "]";
      return `must be inside range ${open}${show(lower)}, ${show(upper)}${close}`;
    }
    if (belowUpper || aboveLower) return undefined;
    const open = b.lt !== undefined ? "[" : "(";
    const close = b.gt !== undefined ? "]" : ")";
    return `must be outside range ${open}${show(upper)}, ${show(lower)}${close}`;
  }
  if (!belowUpper && upper !== undefined) return `must be less than ${b.lt !== undefined ? "" : "or equal to "}${show(upper)}`;
  if (!aboveLower && lower !== undefined) return `must be greater than ${b.gt !== undefined ? "" : "or equal to "}${show(lower)}`;
  return undefined;
}
