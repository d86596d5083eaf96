import { ValidationError } from "./validation-error.js";

/**
 * Reads one object of an untrusted document, field by field, throwing a
 * ValidationError that names the full path of the first field at fault.
 * Unknown fields are refused so a typo (`backendref`) fails loudly instead of
 * being silently dropped.
 *
 * @example
 * const r = FieldReader.object(doc.spec, "spec");
 * const port = r.int("port", { min: 1, max: 65535 });
 */
export class FieldReader {
  private readonly seen = new Set<string>();

  private constructor(
    private readonly obj: Record<string, unknown>,
    readonly path: string,
  ) {}

  static object(value: unknown, path: string): FieldReader {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ValidationError("invalid_field", path, `${path || "document"} must be an object`);
    }
    return new FieldReader(value as Record<string, unknown>, path);
  }

  field(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  has(name: string): boolean {
    return this.obj[name] !== undefined && this.obj[name] !== null;
  }

  raw(name: string): unknown {
    this.seen.add(name);
    return this.obj[name];
  }

  private required(name: string): unknown {
    const v = this.raw(name);
    if (v === undefined || v === null) {
      throw new ValidationError("missing_field", this.field(name), `${this.field(name)} is required`);
    }
    return v;
  }

  string(name: string, opts: { pattern?: RegExp; max?: number; hint?: string } = {}): string {
    const v = this.required(name);
    return checkString(v, this.field(name), opts);
  }

  optionalString(name: string, opts: { pattern?: RegExp; max?: number; hint?: string } = {}): string | undefined {
    return this.has(name) ? this.string(name, opts) : (this.raw(name), undefined);
  }

  int(name: string, opts: { min: number; max: number; hint?: string }): number {
    return checkInt(this.required(name), this.field(name), opts);
  }

  optionalInt(name: string, opts: { min: number; max: number; hint?: string }): number | undefined {
    return this.has(name) ? this.int(name, opts) : (this.raw(name), undefined);
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T {
    const v = this.string(name);
    if (!(values as readonly string[]).includes(v)) {
      throw new ValidationError(
        "invalid_field",
        this.field(name),
        `${this.field(name)} must be one of ${values.join(", ")}; got "${v}"`,
      );
    }
    return v as T;
  }

  optionalOneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    return this.has(name) ? this.oneOf(name, values) : (this.raw(name), undefined);
  }

  /** Reads an array, handing each element and its path to `each`. */
  array<T>(name: string, each: (value: unknown, path: string) => T, opts: { min?: number; max: number }): T[] {
    const v = this.required(name);
    const path = this.field(name);
    if (!Array.isArray(v)) throw new ValidationError("invalid_field", path, `${path} must be a list`);
    if (v.length < (opts.min ?? 0)) {
      throw new ValidationError("invalid_field", path, `${path} needs at least ${opts.min} item(s)`);
    }
    if (v.length > opts.max) {
      throw new ValidationError("too_large", path, `${path} has ${v.length} items; at most ${opts.max} are allowed`);
    }
    return v.map((item, i) => each(item, `${path}[${i}]`));
  }

  optionalArray<T>(name: string, each: (value: unknown, path: string) => T, opts: { min?: number; max: number }): T[] | undefined {
    return this.has(name) ? this.array(name, each, opts) : (this.raw(name), undefined);
  }

  optionalObject(name: string): FieldReader | undefined {
    return this.has(name) ? FieldReader.object(this.raw(name), this.field(name)) : (this.raw(name), undefined);
  }

  /** A map of string to string, as labels are. */
  optionalLabels(name: string): Record<string, string> | undefined {
    if (!this.has(name)) return (this.raw(name), undefined);
    const r = FieldReader.object(this.raw(name), this.field(name));
    const out: Record<string, string> = {};
    for (const key of r.keys()) {
      if (!LABEL_KEY.test(key)) {
        throw new ValidationError("invalid_field", r.field(key), `label key "${key}" is not a valid label name`,
          "label keys are [prefix/]name with letters, digits, '-', '_' and '.', at most 63 characters in the name");
      }
      out[key] = r.string(key, { max: 63, pattern: LABEL_VALUE });
    }
    return out;
  }

  keys(): string[] {
    return Object.keys(this.obj);
  }

  /** Call last: refuses any field no reader asked for. */
  done(): void {
    for (const key of Object.keys(this.obj)) {
      if (!this.seen.has(key)) {
        throw new ValidationError("unknown_field", this.field(key), `${this.field(key)} is not a known field`);
      }
    }
  }
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function checkString(v: unknown, path: string, opts: { pattern?: RegExp; max?: number; hint?: string } = {}): string {
  if (typeof v !== "string") {
    throw new ValidationError("invalid_field", path, `${path} must be a string; got ${describe(v)}`, opts.hint);
  }
  if (opts.max !== undefined && v.length > opts.max) {
    throw new ValidationError("too_large", path, `${path} is ${v.length} characters; at most ${opts.max} are allowed`);
  }
  if (opts.pattern && !opts.pattern.test(v)) {
    throw new ValidationError("invalid_field", path, `${path} "${v}" is not valid`, opts.hint);
  }
  return v;
}

export function checkInt(v: unknown, path: string, opts: { min: number; max: number; hint?: string }): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new ValidationError(
      "invalid_field",
      path,
      `${path} must be a whole number; got ${describe(v)}`,
      opts.hint ?? `use a number from ${opts.min} to ${opts.max}`,
    );
  }
  if (v < opts.min || v > opts.max) {
    throw new ValidationError("invalid_field", path, `${path} must be from ${opts.min} to ${opts.max}; got ${v}`, opts.hint);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (typeof v === "object") return "an object";
  return String(v);
}
