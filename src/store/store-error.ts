/**
 * The store layer's error. Only conditions a caller can act on get a code;
 * anything else (D1 down, a bug) propagates as it is.
 */
export type StoreErrorCode = "precondition_failed";

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** Which write of the commit failed its precondition. */
  readonly index: number;
  readonly expected: number | "absent" | "present" | undefined;
  /** The revision actually stored, undefined when absent. */
  readonly actual: number | undefined;

  constructor(
    code: StoreErrorCode,
    detail: { index: number; expected: number | "absent" | "present" | undefined; actual: number | undefined },
  ) {
    super(`${code}: write ${detail.index} expected ${String(detail.expected)}, found ${String(detail.actual ?? "absent")}`);
    this.name = "StoreError";
    this.code = code;
    this.index = detail.index;
    this.expected = detail.expected;
    this.actual = detail.actual;
  }
}
