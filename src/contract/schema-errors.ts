import { z } from "zod";
import { MAX_FAULTS, ValidationError, type ValidationCode } from "./validation-error.js";

/**
 * The one place zod's issues become ValidationErrors: `{code, field,
 * message, hint}` with the field as a path into the document
 * (`spec.rules[0].backendRefs[1].weight`). The message is written here from
 * the issue; the hint is the `description` of the schema at fault, so a
 * field's description (shown by editors through the JSON Schema) is also what
 * a user reads when that field is wrong. Rules zod cannot express are
 * refinements that report a `Fault` (see `addFault`).
 */

/** What a refinement reports when a rule of its own fails. */
export interface Fault {
  code: ValidationCode;
  /** The message, given the full path of the field at fault. */
  message: (field: string) => string;
  hint?: string;
}

/**
 * Reports a fault from inside `superRefine`, at `path` below the value being
 * refined.
 *
 * @example
 * z.array(port).superRefine((ports, ctx) => {
 *   if (ports.length > 8) addFault(ctx, { code: "too_large", message: (f) => `${f} is too long` });
 * });
 */
export function addFault(ctx: z.RefinementCtx, fault: Fault, path: (string | number)[] = []): void {
  ctx.addIssue({ code: "custom", path, params: { fault } });
}

/**
 * Parses `value` with `schema` and returns its output, or throws the
 * ValidationError of the first fault in reading order (zod reports issues in
 * the order of the schema's fields, and an object's unknown fields after its
 * known ones), listing every fault in its `faults` (at most MAX_FAULTS), so
 * a user fixes them all in one round. `unknownFieldsFirst` reports an
 * unknown field before anything else, for small bodies where a misspelt name
 * is the real news.
 *
 * @example const { revision } = parseOrThrow(rollbackBody, { revision: 12 });
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, opts: { unknownFieldsFirst?: boolean } = {}): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = (opts.unknownFieldsFirst ? issues.find((i) => i.code === "unrecognized_keys") : undefined) ?? issues[0];
  if (!first) throw new ValidationError("invalid_field", "", "document is not valid");
  // Only as many issues as can be listed are converted: a huge bad document costs no more than a small one.
  const others = issues.filter((i) => i !== first).slice(0, MAX_FAULTS - 1).flatMap((i) => faultsOf(i, schema));
  const [head, ...rest] = faultsOf(first, schema);
  throw head!.withOthers([...rest.flatMap((e) => e.faults), ...others.flatMap((e) => e.faults)]);
}

/** An issue's faults: one, or one per key of an object's unknown keys. */
function faultsOf(issue: z.core.$ZodIssue, root: z.ZodType): ValidationError[] {
  if (issue.code !== "unrecognized_keys") return [toValidationError(issue, root)];
  return issue.keys.slice(0, MAX_FAULTS).map((key) => {
    const unknown = pathString([...issue.path, key]);
    return new ValidationError("unknown_field", unknown, `${unknown} is not a known field`);
  });
}

/** One zod issue as the ValidationError a user can act on. */
function toValidationError(issue: z.core.$ZodIssue, root: z.ZodType): ValidationError {
  const field = pathString(issue.path);
  const input = issue.input;
  if (issue.code === "custom") {
    const fault = (issue.params as { fault?: Fault } | undefined)?.fault;
    if (fault) return new ValidationError(fault.code, field, fault.message(field), fault.hint);
    return new ValidationError("invalid_field", field, `${field} is not valid`);
  }
  if (issue.code === "unrecognized_keys") {
    const unknown = pathString([...issue.path, issue.keys[0] ?? ""]);
    return new ValidationError("unknown_field", unknown, `${unknown} is not a known field`);
  }
  if ((issue.code === "invalid_type" || issue.code === "invalid_value") && input === undefined) {
    return new ValidationError("missing_field", field, `${field} is required`);
  }
  const at = schemaAt(root, issue.path);
  switch (issue.code) {
    case "invalid_type":
      return wrongType(issue, field, input, at);
    case "invalid_value":
      if (typeof input !== "string") return new ValidationError("invalid_field", field, `${field} must be a string; got ${describe(input)}`);
      return new ValidationError("invalid_field", field, `${field} must be one of ${issue.values.map(String).join(", ")}; got "${input}"`);
    case "too_big":
    case "too_small":
      return outOfBounds(issue, field, input, at);
    case "invalid_format":
      return new ValidationError("invalid_field", field, `${field} "${String(input)}" is not valid`, at.description);
    case "invalid_key": {
      // The record's key schema says what a key must be: its message and description.
      const keys = schemaAt(root, issue.path.slice(0, -1)).schema;
      const hint = keys instanceof z.ZodRecord ? unwrap(keys.keyType as z.ZodType, {}).description : undefined;
      return new ValidationError("invalid_field", field, issue.issues[0]?.message ?? `key "${String(input)}" is not valid`, hint);
    }
    default:
      return new ValidationError("invalid_field", field, `${field} is not valid`, at.description);
  }
}

interface SchemaAt {
  schema: z.ZodType | undefined;
  description: string | undefined;
}

function wrongType(issue: z.core.$ZodIssueInvalidType, field: string, input: unknown, at: SchemaAt): ValidationError {
  switch (issue.expected) {
    case "number":
    case "int": {
      const { min, max } = bounds(at.schema);
      return new ValidationError("invalid_field", field, `${field} must be a whole number; got ${describe(input)}`, at.description ?? `use a number from ${min} to ${max}`);
    }
    case "string":
      return new ValidationError("invalid_field", field, `${field} must be a string; got ${describe(input)}`, at.description);
    case "object":
    case "record":
      return new ValidationError("invalid_field", field, `${field || "document"} must be an object`);
    case "array":
      return new ValidationError("invalid_field", field, `${field} must be a list`);
    case "never":
      // A field that must not be there (`absent`) says why in its own message.
      return new ValidationError("invalid_field", field, issue.message, at.description);
    default:
      return new ValidationError("invalid_field", field, `${field} must be ${issue.expected}; got ${describe(input)}`, at.description);
  }
}

function outOfBounds(
  issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall,
  field: string,
  input: unknown,
  at: SchemaAt,
): ValidationError {
  if (issue.origin === "number" || issue.origin === "int") {
    const { min, max } = bounds(at.schema);
    return new ValidationError("invalid_field", field, `${field} must be from ${min} to ${max}; got ${String(input)}`, at.description);
  }
  const size = typeof input === "string" || Array.isArray(input) ? input.length : 0;
  const unit = issue.origin === "string" ? "characters" : "items";
  if (issue.code === "too_big") {
    const verb = issue.origin === "string" ? "is" : "has";
    return new ValidationError("too_large", field, `${field} ${verb} ${size} ${unit}; at most ${String(issue.maximum)} are allowed`);
  }
  return new ValidationError("invalid_field", field, `${field} needs at least ${String(issue.minimum)} ${unit === "items" ? "item(s)" : unit}`);
}

function bounds(schema: z.ZodType | undefined): { min: number; max: number } {
  if (schema instanceof z.ZodNumber) return { min: schema.minValue ?? Number.MIN_SAFE_INTEGER, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
  return { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
}

/** `spec.rules[0].backendRefs[1].weight`: dots before keys, brackets around indices. */
function pathString(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** The schema an issue's path leads to, and the description nearest to it. */
function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): SchemaAt {
  let schema: z.ZodType | undefined = root;
  for (const seg of path) {
    const s: z.ZodType = unwrap(schema, {});
    if (s instanceof z.ZodObject) schema = (s.shape as Record<string, z.ZodType>)[String(seg)];
    else if (s instanceof z.ZodArray) schema = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) schema = s.valueType as z.ZodType;
    else schema = undefined;
    if (schema === undefined) return { schema, description: undefined };
  }
  const found: { description?: string } = {};
  const inner = unwrap(schema, found);
  return { schema: inner, description: found.description };
}

/** Looks through optional, default and pipe wrappers, noting the first description on the way in. */
function unwrap(schema: z.ZodType, found: { description?: string }): z.ZodType {
  let s = schema;
  for (;;) {
    if (found.description === undefined && s.description !== undefined) found.description = s.description;
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      // A preprocess reads its input with `out`; a transform after a schema reads it with `in`.
      s = (s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType;
    } else {
      return s;
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (typeof v === "object") return "an object";
  return String(v);
}
