import { z } from "zod";
import type { Kind } from "./resource-types.js";
import { ALSO_ACCEPTED } from "./schema/also-accepted.js";
import { DOCUMENT_SCHEMAS } from "./schema/kinds.js";

/**
 * JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of each kind's
 * documents, derived from the zod schemas in schema/: what editors use to
 * check YAML files, and what the OpenAPI document embeds. It describes the
 * input: what a user may write, with defaults and `readOnly` server fields.
 */

export type JsonSchema = z.core.JSONSchema.BaseSchema;

const cache = new Map<Kind, JsonSchema>();

/**
 * The JSON Schema of one kind's whole document (`apiVersion?, kind, metadata,
 * spec`), without `$schema`, for embedding (OpenAPI components).
 *
 * @example kindJsonSchema("Service").properties?.kind // { type: "string", const: "Service" }
 */
export function kindJsonSchema(kind: Kind): JsonSchema {
  let schema = cache.get(kind);
  if (!schema) {
    schema = embeddableJsonSchema(DOCUMENT_SCHEMAS[kind]);
    cache.set(kind, schema);
  }
  return schema;
}

/**
 * The input JSON Schema of any zod schema, without `$schema`, for embedding
 * in a larger document.
 *
 * @example embeddableJsonSchema(z.object({ ttlSeconds: z.int() }))
 */
export function embeddableJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", override: widen });
  return rest;
}

/**
 * The JSON Schema of one kind's documents as a file of its own, for
 * yaml-language-server (`# yaml-language-server: $schema=service.json`).
 *
 * @example JSON.stringify(jsonSchemaOf("HTTPRoute"), null, 2)
 */
export function jsonSchemaOf(kind: Kind): JsonSchema {
  return { $schema: "https://json-schema.org/draft/2020-12/schema", ...kindJsonSchema(kind), title: `Edgeplane ${kind}` };
}

/** `anyOf` the generated schema and what its zod schema also accepts (also-accepted.ts). */
function widen(ctx: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }): void {
  const alternatives = ALSO_ACCEPTED.get(ctx.zodSchema)?.alternatives;
  if (!alternatives) return;
  const { description, ...own } = ctx.jsonSchema;
  for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
  Object.assign(ctx.jsonSchema, description === undefined ? {} : { description }, { anyOf: [own, ...alternatives] });
}
