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

export class ValidationError extends Error {
  readonly code: ValidationCode;
  readonly field: string;
  readonly hint: string | undefined;

  constructor(code: ValidationCode, field: string, message: string, hint?: string) {
    super(message);
    this.name = "ValidationError";
    this.code = code;
    this.field = field;
    this.hint = hint;
  }
}
