import { checkDocumentText } from "./document-text.js";
import { withoutRefNamespaces } from "./ref-namespaces.js";
import { GLOBAL_KINDS, KINDS, isKind, type Metadata, type Resource } from "./resource-types.js";
import { documentSchemaFor } from "./schema/kinds.js";
import { parseOrThrow } from "./schema-errors.js";
import { ValidationError } from "./validation-error.js";

export { MAX_WEIGHT, NAME_PATTERN } from "./schema/fields.js";

/**
 * Checks an untrusted document and returns it as a typed Resource, keeping
 * only known fields. Server-set metadata (revision, timestamps) is dropped:
 * the store sets it. `defaultMesh` fills metadata.mesh for mesh-scoped kinds
 * when the document leaves it out (the URL names the mesh).
 *
 * @example validateResource(YAML.parse(text), "default")
 */
export function validateResource(doc: unknown, defaultMesh?: string): Resource {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new ValidationError("invalid_field", "", "document must be an object");
  checkDocumentText(doc);
  // The kind picks the schema, so it is checked first and by hand.
  const kind = (doc as { kind?: unknown }).kind;
  if (kind === undefined) throw new ValidationError("missing_field", "kind", "kind is required", `one of ${KINDS.join(", ")}`);
  if (!isKind(kind)) throw new ValidationError("unknown_kind", "kind", `unknown kind ${JSON.stringify(kind)}`, `one of ${KINDS.join(", ")}`);
  const parsed = parseOrThrow(documentSchemaFor(kind, { defaultMesh: defaultMesh !== undefined }), doc);
  const metadata: Metadata = { name: parsed.metadata.name };
  if (!GLOBAL_KINDS.has(kind)) metadata.mesh = parsed.metadata.mesh ?? parsed.metadata.namespace ?? defaultMesh;
  if (parsed.metadata.labels) metadata.labels = parsed.metadata.labels;
  return withoutRefNamespaces({ kind, metadata, spec: parsed.spec } as Resource);
}
