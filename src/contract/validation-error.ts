/**
 * The error every schema check in src/contract throws. It names the field at
 * fault as a path into the document (`spec.rules[0].backendRefs[1].weight`) so
 * the API can tell the user exactly what to change.
 */
export type ValidationCode =
  | "missing_field"
  | "invalid_field"
  | "unknown_field"
  /** A field of the standard Edgeplane follows (Gateway API, SMI) that it does not implement. */
  | "unsupported_field"
  | "unknown_kind"
  | "too_large";

/** One fault of a document, as the API lists them in an error's `errors`. */
export interface ValidationFault {
  code: ValidationCode;
  field: string;
  message: string;
  hint?: string;
}

/**
 * At most this many faults are listed: a huge bad document must not make a
 * huge answer, and past a screenful a user fixes the first ones and retries.
 */
export const MAX_FAULTS = 20;

export class ValidationError extends Error {
  readonly code: ValidationCode;
  readonly field: string;
  readonly hint: string | undefined;
  /**
   * Every fault found, this error's own first (at most MAX_FAULTS). The
   * top-level code, field, message and hint stay the first fault's, so a
   * client that reads only those sees what it always did.
   */
  readonly faults: readonly ValidationFault[];

  constructor(code: ValidationCode, field: string, message: string, hint?: string, others: readonly ValidationFault[] = []) {
    super(message);
    this.name = "ValidationError";
    this.code = code;
    this.field = field;
    this.hint = hint;
    const own: ValidationFault = { code, field, message, ...(hint !== undefined ? { hint } : {}) };
    this.faults = [own, ...others].slice(0, MAX_FAULTS);
  }

  /** This error, listing `others` after its own fault. */
  withOthers(others: readonly ValidationFault[]): ValidationError {
    return new ValidationError(this.code, this.field, this.message, this.hint, others);
  }
}
