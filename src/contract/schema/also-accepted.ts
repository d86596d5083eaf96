import { z } from "zod";

/**
 * Inputs a schema accepts beyond what its JSON Schema says: a preprocess
 * reads `weight: "80"` as 80, but JSON Schema only sees the integer it
 * produces. json-schema.ts turns an entry into `anyOf: [schema, ...alternatives]`,
 * so editors accept what the API accepts.
 */
export const ALSO_ACCEPTED = z.registry<{ alternatives: z.core.JSONSchema.BaseSchema[] }>();

/**
 * Registers `alternatives` for `schema` and returns it.
 *
 * @example alsoAccepting(z.preprocess(toNumber, z.int()), [{ type: "string", pattern: "^[0-9]+$" }])
 */
export function alsoAccepting<S extends z.ZodType>(schema: S, alternatives: z.core.JSONSchema.BaseSchema[]): S {
  ALSO_ACCEPTED.add(schema, { alternatives });
  return schema;
}
