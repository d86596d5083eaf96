import { z } from "zod";
import { addFault } from "../schema-errors.js";
import { labels, name } from "./fields.js";
import { absent, ignored, strictObject } from "./strict-object.js";

/**
 * `metadata` of every document. Users write name, mesh and labels; the
 * server adds the fields below, which a document read back from the API
 * carries, so they are accepted on input (with any value) and dropped.
 */

/** What the store sets on every stored document. */
export const serverMetadata = z.object({
  /** The journal sequence number of the last write. */
  revision: z.int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The config source that wrote it last. */
  source: z.string(),
});

const setByServer = () => ignored("set by the server; ignored on input", { readOnly: true });

const userFields = {
  name,
  labels: labels.optional(),
  revision: setByServer(),
  createdAt: setByServer(),
  updatedAt: setByServer(),
  source: setByServer(),
  uid: ignored("Kubernetes tools add it; ignored"),
};

const NAMESPACE_HINT = "Kubernetes documents (Gateway API, SMI) name their mesh by namespace: metadata.namespace is the mesh when metadata.mesh is absent";

/**
 * Metadata of a mesh-scoped kind. `mesh` may be left out: `namespace` (a
 * Kubernetes document's), the URL, or the bundle's default mesh names it
 * then, in that order. A namespace naming another mesh than `mesh` is
 * refused rather than one of them dropped.
 */
export const meshScopedMetadata = strictObject({
  ...userFields,
  mesh: name.optional(),
  namespace: name.meta({ description: NAMESPACE_HINT }).optional(),
}).superRefine((m, ctx) => {
  if (m.mesh !== undefined && m.namespace !== undefined && m.mesh !== m.namespace) {
    addFault(ctx, { code: "invalid_field", message: (f) => `${f} "${m.namespace}" names another mesh than metadata.mesh "${m.mesh}"`, hint: NAMESPACE_HINT }, ["namespace"]);
  }
});

/**
 * The same, where nothing else names the mesh (documents the bridge reads
 * from its zone or its cache).
 *
 * @example meshRequiredMetadata("Service").parse({ name: "echo", mesh: "default" })
 */
export function meshRequiredMetadata(kind: string) {
  return meshScopedMetadata.superRefine((m, ctx) => {
    if (m.mesh === undefined && m.namespace === undefined) addFault(ctx, { code: "missing_field", message: (f) => `${f} is required for ${kind}` }, ["mesh"]);
  });
}

/**
 * Metadata of a global kind (Mesh, Zone), which belongs to no mesh.
 *
 * @example globalMetadata("Zone").parse({ name: "west" })
 */
export function globalMetadata(kind: string) {
  return strictObject({
    ...userFields,
    mesh: absent(`${kind} is global and belongs to no mesh`, "remove metadata.mesh"),
    namespace: absent(`${kind} is global and belongs to no namespace (mesh)`, "remove metadata.namespace"),
  });
}
