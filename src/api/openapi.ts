import { embeddableJsonSchema, kindJsonSchema, type JsonSchema } from "../contract/json-schema.js";
import { NAME_PATTERN } from "../contract/resource-schema.js";
import { GLOBAL_KINDS, KIND_PLURALS, KINDS } from "../contract/resource-types.js";
import { apiErrorBody } from "./api-error.js";
import { ROUTES, type BodySpec, type KindRef, type RouteSpec } from "./route-table.js";

/**
 * The OpenAPI 3.1 document of the API (`GET /v1/openapi.json`), built from
 * the route table and the resource schemas: each kind is
 * components.schemas.<Kind>, the error body is components.schemas.Error.
 */

type Json = Record<string, unknown>;

const MESH_SCOPED = KINDS.filter((k) => !GLOBAL_KINDS.has(k));
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const ERROR = { description: "the request was refused: `code` says why, `field` and `hint` what to change", content: { "application/json": { schema: ref("Error") } } };
/** Resource documents and bundles are read as JSON or YAML (src/api/request-body.ts). */
const DOCUMENT_TYPES = ["application/json", "application/yaml"];

let built: Json | undefined;

/**
 * The document, built on first use (it never changes while the Worker runs).
 *
 * @example app.get("/v1/openapi.json", (c) => c.json(openApiDocument()));
 */
export function openApiDocument(): Json {
  built ??= build();
  return built;
}

function build(): Json {
  const schemas: Record<string, JsonSchema> = Object.fromEntries(KINDS.map((k) => [k, kindJsonSchema(k)]));
  schemas.Error = embeddableJsonSchema(apiErrorBody);
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    for (const body of [route.request, route.response]) {
      if (body?.type === "schema") schemas[body.name] ??= embeddableJsonSchema(body.schema);
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Edgeplane management API",
      version: "v1",
      description: "Resources are Kubernetes-shaped documents; the JSON Schema of each kind is in components.schemas.",
    },
    paths,
    components: { schemas },
  };
}

function operation(route: RouteSpec): Json {
  const parameters: Json[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => pathParameter(m[1]!));
  for (const [name, description] of Object.entries(route.query ?? {})) {
    parameters.push({ name, in: "query", required: false, description, schema: { type: "string" } });
  }
  if (route.ifMatch) {
    parameters.push({ name: "If-Match", in: "header", required: false, description: "the revision (ETag) the change is based on", schema: { type: "string" } });
  }
  const op: Json = { summary: route.summary };
  if (parameters.length > 0) op.parameters = parameters;
  if (route.request) {
    const types = route.request.type === "schema" ? ["application/json"] : DOCUMENT_TYPES;
    const schema = schemaOf(route.request);
    op.requestBody = { required: true, content: Object.fromEntries(types.map((t) => [t, { schema }])) };
  }
  const success: Json = { description: route.summary };
  if (route.response) success.content = { "application/json": { schema: schemaOf(route.response) } };
  op.responses = { [String(route.status ?? 200)]: success, default: ERROR };
  return op;
}

function pathParameter(name: string): Json {
  const schema: Json = name === "kinds" ? { type: "string", enum: MESH_SCOPED.map((k) => KIND_PLURALS[k]) } : { type: "string" };
  if (name === "name" || name === "mesh" || name === "zone") schema.pattern = NAME_PATTERN.source;
  return { name, in: "path", required: true, schema };
}

function schemaOf(body: BodySpec): Json {
  switch (body.type) {
    case "resource":
      return resourceRef(body.kind);
    case "list":
      return {
        type: "object",
        properties: { kind: { type: "string", description: "<Kind>List" }, items: { type: "array", items: resourceRef(body.kind) } },
        required: ["kind", "items"],
      };
    case "bundle": {
      const any = { oneOf: KINDS.map(ref) };
      return {
        oneOf: [
          any,
          { type: "array", items: any },
          { type: "object", properties: { kind: { const: "List" }, items: { type: "array", items: any } }, required: ["kind", "items"] },
        ],
        description: "one document, several (multi-document YAML, a JSON array) or a kind: List",
      };
    }
    case "schema":
      return ref(body.name);
  }
}

function resourceRef(kind: KindRef): Json {
  return kind === "mesh-scoped" ? { oneOf: MESH_SCOPED.map(ref) } : ref(kind);
}
