import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { MAX_FAULTS, ValidationError } from "../contract/validation-error.js";
import { StoreError } from "../store/store-error.js";

/**
 * The API's one error type. Every failure a client can see has a code from
 * this closed set; `onError` in app.ts turns it into the JSON body
 * `{code, message, field?, hint?, document?, errors?}` with the status below, and nothing else
 * writes error responses.
 */
const STATUS = {
  invalid_body: 400,
  invalid_query: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  missing_field: 422,
  invalid_field: 422,
  unknown_field: 422,
  unsupported_field: 422,
  unknown_kind: 422,
  too_large: 422,
  missing_reference: 422,
  name_mismatch: 422,
  /** Identity-based policy (TrafficPermission) in a mesh whose mTLS is disabled. */
  mtls_required: 422,
  unauthenticated: 401,
  forbidden: 403,
  forbidden_origin: 403,
  owned_by_other_source: 409,
  not_found: 404,
  precondition_failed: 412,
  precondition_required: 428,
  conflict: 409,
  zone_unavailable: 503,
  not_configured: 500,
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof STATUS;

const errorCode = z.enum(Object.keys(STATUS) as [ApiErrorCode, ...ApiErrorCode[]]);

/** One fault of a refused document, in an error's `errors`. */
const faultBody = z
  .object({
    code: errorCode,
    /** The field at fault, as a path into the document (`spec.ports[0].port`). */
    field: z.string(),
    message: z.string(),
    hint: z.string().optional(),
    /** Index of the document at fault in an /apply bundle. */
    document: z.int().optional(),
  })
  .meta({ title: "Fault" });
export type FaultBody = z.output<typeof faultBody>;

/** The body of every error answer, as the OpenAPI document states it. */
export const apiErrorBody = z
  .object({
    code: errorCode,
    message: z.string(),
    /** The field at fault, as a path into the document (`spec.ports[0].port`). */
    field: z.string().optional(),
    hint: z.string().optional(),
    /** Index of the document at fault in an /apply bundle. */
    document: z.int().optional(),
    /**
     * A refused document's every fault, the top-level one first, at most
     * MAX_FAULTS; code, field, message and hint above are the first's.
     */
    errors: z.array(faultBody).max(MAX_FAULTS).optional(),
  })
  .meta({ title: "Error" });

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  readonly hint: string | undefined;
  /** Index of the document at fault in an /apply bundle. */
  readonly document: number | undefined;
  /** A validation error's every fault (see apiErrorBody). */
  readonly errors: readonly FaultBody[] | undefined;

  constructor(code: ApiErrorCode, message: string, opts: { field?: string; hint?: string; document?: number; errors?: readonly FaultBody[] } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.field = opts.field;
    this.hint = opts.hint;
    this.document = opts.document;
    this.errors = opts.errors;
  }

  get status(): (typeof STATUS)[ApiErrorCode] {
    return STATUS[this.code];
  }

  /** The same error, located in document `index` of a bundle. */
  inDocument(index: number): ApiError {
    const opts: { field?: string; hint?: string; document: number; errors?: FaultBody[] } = { document: index };
    if (this.field !== undefined) opts.field = this.field;
    if (this.hint !== undefined) opts.hint = this.hint;
    // Each fault keeps its own message and says its document by index.
    if (this.errors !== undefined) opts.errors = this.errors.map((f) => ({ ...f, document: index }));
    return new ApiError(this.code, `document ${index}: ${this.message}`, opts);
  }

  /**
   * Converts anything thrown inside a handler.
   *
   * @example app.onError((err, c) => ApiError.from(err).toResponse())
   */
  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (err instanceof ValidationError) {
      const opts: { field: string; hint?: string; errors: FaultBody[] } = { field: err.field, errors: err.faults.map((f) => ({ ...f })) };
      if (err.hint !== undefined) opts.hint = err.hint;
      return new ApiError(err.code, err.message, opts);
    }
    if (err instanceof StoreError) {
      const doc = { document: err.index };
      if (err.expected === "present") return new ApiError("not_found", "the resource does not exist", doc);
      if (err.expected === "absent") return new ApiError("conflict", "the resource already exists", doc);
      return new ApiError("precondition_failed", `the resource is at revision ${err.actual ?? "(deleted)"}, not ${String(err.expected)}`, {
        ...doc,
        hint: "read it again, reapply your change and send the new revision in If-Match",
      });
    }
    if (err instanceof HTTPException) {
      if (err.status === 413) return new ApiError("payload_too_large", err.message || "request body too large");
      if (err.status === 404) return new ApiError("not_found", err.message || "not found");
      return new ApiError("invalid_body", err.message);
    }
    return new ApiError("internal", "internal error", { hint: "the server log has the details" });
  }

  toJSON(): z.output<typeof apiErrorBody> {
    const body: z.output<typeof apiErrorBody> = { code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (this.hint !== undefined) body.hint = this.hint;
    if (this.document !== undefined) body.document = this.document;
    if (this.errors !== undefined) body.errors = [...this.errors];
    return body;
  }

  toResponse(): Response {
    const headers: Record<string, string> = this.code === "unauthenticated" ? { "www-authenticate": 'Bearer realm="edgeplane"' } : {};
    return Response.json(this.toJSON(), { status: this.status, headers });
  }
}
