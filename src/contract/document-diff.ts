/**
 * Differences between two versions of a resource document, as a flat list of
 * changes a person can read and a CLI can print. Pure: no I/O, no clock, and
 * the same inputs always give the same list in the same order.
 */

export type DiffOp = "add" | "remove" | "replace";

/**
 * One change. `path` names the value in the style of validation errors
 * (`spec.rules[0].backendRefs[1].weight`); "" is the whole document. A
 * "remove" carries `from`, an "add" carries `to`, a "replace" both.
 */
export interface DocumentChange {
  path: string;
  op: DiffOp;
  from?: unknown;
  to?: unknown;
}

/**
 * Lists what changed from `from` to `to`. A `null` (or undefined) document
 * means "no document" (before a create, after a delete), so it diffs as one add or
 * remove of the whole document at path "". Below the top, values are JSON:
 * objects compare key by key (keys in code-unit order, so the key order of
 * the input does not matter), arrays position by position, and anything else,
 * including a change of type, is one "replace".
 *
 * Arrays are not aligned by content on purpose: in an HTTPRoute the position
 * of a rule or a backendRef is part of its meaning (rule precedence), so
 * "rule 0 now sends to X" is the honest reading of an insertion at the front.
 *
 * @example
 * diffDocuments({ spec: { weight: 80 } }, { spec: { weight: 20, port: 80 } })
 * // [{ path: "spec.port", op: "add", to: 80 },
 * //  { path: "spec.weight", op: "replace", from: 80, to: 20 }]
 */
export function diffDocuments(from: unknown, to: unknown): DocumentChange[] {
  const noFrom = from === null || from === undefined;
  const noTo = to === null || to === undefined;
  if (noFrom && noTo) return [];
  if (noFrom) return [{ path: "", op: "add", to }];
  if (noTo) return [{ path: "", op: "remove", from }];
  const out: DocumentChange[] = [];
  diffValues("", from, to, out);
  return out;
}

function diffValues(path: string, from: unknown, to: unknown, out: DocumentChange[]): void {
  if (isPlainObject(from) && isPlainObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort(compareCodeUnits);
    for (const key of keys) diffMember(joinKey(path, key), from[key], to[key], out);
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const n = Math.max(from.length, to.length);
    for (let i = 0; i < n; i++) {
      diffMember(`${path}[${i}]`, i < from.length ? from[i] : undefined, i < to.length ? to[i] : undefined, out);
    }
    return;
  }
  if (!jsonEqual(from, to)) out.push({ path, op: "replace", from, to });
}

/** `undefined` is "absent" here: JSON has no undefined, and objects read through a missing key yield it. */
function diffMember(path: string, from: unknown, to: unknown, out: DocumentChange[]): void {
  if (from === undefined && to === undefined) return;
  if (from === undefined) out.push({ path, op: "add", to });
  else if (to === undefined) out.push({ path, op: "remove", from });
  else diffValues(path, from, to, out);
}

/** Structural equality of JSON values; key order does not count. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Label keys such as "app.kubernetes.io/name" would make a dotted path
// ambiguous; they are quoted instead.
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function joinKey(path: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Locale-independent, so the order is the same in workerd, Node and any CLI. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
