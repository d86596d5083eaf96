import { z } from "zod";
import { GLOBAL_KINDS, KINDS, type Kind, type SpecByKind } from "../resource-types.js";
import { backendPolicySpec } from "./backend-policy.js";
import { grpcRouteSpec } from "./grpc-route.js";
import { httpRouteSpec } from "./http-route.js";
import { meshSpec } from "./mesh.js";
import { globalMetadata, meshRequiredMetadata, meshScopedMetadata } from "./metadata.js";
import { serviceSpec } from "./service.js";
import { trafficPermissionSpec } from "./traffic-permission.js";
import { workloadSpec } from "./workload.js";
import { zoneSpec } from "./zone.js";
import { ignored, strictObject } from "./strict-object.js";

/**
 * The registry: each kind's spec schema, and the whole document schema built
 * from it. Everything else (validation, JSON Schema, OpenAPI) starts here, so
 * a new kind is one file and one line below.
 */
export const SPEC_SCHEMAS: { readonly [K in Kind]: z.ZodType<SpecByKind[K]> } = {
  Mesh: meshSpec,
  Zone: zoneSpec,
  Service: serviceSpec,
  Workload: workloadSpec,
  HTTPRoute: httpRouteSpec,
  GRPCRoute: grpcRouteSpec,
  BackendPolicy: backendPolicySpec,
  TrafficPermission: trafficPermissionSpec,
};

/**
 * `{apiVersion?, kind, metadata, spec, status?}` for one kind. With
 * `meshRequired`, a mesh-scoped document must name its mesh.
 */
function documentSchema(kind: Kind, meshRequired: boolean) {
  const metadata = GLOBAL_KINDS.has(kind) ? globalMetadata(kind) : meshRequired ? meshRequiredMetadata(kind) : meshScopedMetadata;
  return strictObject({
    apiVersion: ignored("accepted and ignored, so Kubernetes-style documents apply unchanged"),
    kind: z.literal(kind),
    metadata,
    // No spec reads as an empty one: a Mesh needs none, a Service then misses its ports.
    spec: SPEC_SCHEMAS[kind].prefault({}),
    status: ignored("set by the server; ignored on input", { readOnly: true }),
    warnings: ignored("in write answers: fields some proxies will not apply; ignored on input", { readOnly: true }),
  }).meta({ title: kind });
}

export type DocumentSchema = ReturnType<typeof documentSchema>;

// Built once at load: the bridge validates every resource of every zone update.
const byKind = (meshRequired: boolean) =>
  Object.fromEntries(KINDS.map((k) => [k, documentSchema(k, meshRequired)])) as { readonly [K in Kind]: DocumentSchema };

/** Documents as users write them: a mesh-scoped one may leave its mesh to the URL. */
export const DOCUMENT_SCHEMAS = byKind(false);
const MESH_REQUIRED = byKind(true);

/**
 * The schema a document of `kind` is validated with.
 *
 * @example documentSchemaFor("Service", { defaultMesh: false }).parse(doc)
 */
export function documentSchemaFor(kind: Kind, opts: { defaultMesh: boolean }): DocumentSchema {
  return (opts.defaultMesh ? DOCUMENT_SCHEMAS : MESH_REQUIRED)[kind];
}
