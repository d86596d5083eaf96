import { z } from "zod";
import { addFault } from "../schema-errors.js";

/**
 * The object shapes every resource schema is built from. Objects are strict
 * so a typo (`backendref`) fails loudly instead of being dropped; a field
 * given as null counts as absent, because YAML reads `labels:` with nothing
 * after it as null and users mean "none".
 */

/**
 * A strict object whose null fields count as absent.
 *
 * @example const ingress = strictObject({ address: z.string(), port });
 */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S) {
  const keys = Object.keys(shape);
  return z.preprocess((value) => withoutNullFields(value, keys), z.strictObject(shape));
}

/** Only fields of the shape are dropped: an unknown field is refused even when null. */
function withoutNullFields(value: unknown, keys: readonly string[]): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const obj = value as Record<string, unknown>;
  if (!keys.some((k) => obj[k] === null)) return value;
  const out = { ...obj };
  for (const k of keys) if (out[k] === null) delete out[k];
  return out;
}

/**
 * A field accepted with any value and not kept: Gateway API's `group`,
 * `apiVersion`, fields the server sets.
 *
 * @example strictObject({ group: ignored("\"\" or \"core\"; only Services are parents here"), name })
 */
export function ignored(description: string, meta: { readOnly?: boolean } = {}) {
  return z.unknown().optional().meta({ description, ...meta });
}

/**
 * A field that must not be there, refused with `message` and `hint` (editors
 * see it as `not: {}`).
 *
 * @example strictObject({ name, mesh: absent("Mesh is global and belongs to no mesh", "remove metadata.mesh") })
 */
export function absent(message: string, hint: string) {
  return z.never({ error: message }).meta({ description: hint }).optional();
}

/**
 * A field of the standard a document follows (Gateway API, SMI) that
 * Edgeplane does not implement: refused (unsupported_field, 422) with `why`,
 * never dropped, so a document does not silently lose what it asked for.
 *
 * @example strictObject({ hostnames: unsupported("mesh routes attach to Services, not host names") })
 */
export function unsupported(why: string, hint?: string) {
  return z
    .unknown()
    .optional()
    .meta({ description: `not supported by Edgeplane: ${why}` })
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      addFault(ctx, { code: "unsupported_field", message: (f) => `${f} is not supported by Edgeplane: ${why}`, ...(hint === undefined ? {} : { hint }) });
    });
}

/**
 * Drops the named fields from a parsed object, for fields accepted on input
 * but not part of the resource (use with `.transform`).
 *
 * @example strictObject({ group: ignored("..."), name }).transform(omitting(["group"]))
 */
export function omitting<T extends object, K extends keyof T>(keys: readonly K[]): (value: T) => Omit<T, K> {
  return (value) => {
    const out = { ...value };
    for (const k of keys) delete out[k];
    return out;
  };
}
