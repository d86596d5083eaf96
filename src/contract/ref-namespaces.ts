import type { Resource } from "./resource-types.js";
import { ValidationError } from "./validation-error.js";

/**
 * Gateway API references may name a `namespace`; in Edgeplane a namespace
 * is a mesh, and meshes are isolated, so a reference may only name the
 * route's own. Checked once the document's mesh is known, then dropped, so
 * stored routes read the same whether a document spelt it or not.
 *
 * @example withoutRefNamespaces(validatedRoute) // throws for spec.parentRefs[0].namespace "other"
 */
export function withoutRefNamespaces(resource: Resource): Resource {
  if (resource.kind !== "HTTPRoute" && resource.kind !== "GRPCRoute") return resource;
  const mesh = resource.metadata.mesh ?? "";
  const strip = <T extends { namespace?: string | undefined }>(ref: T, field: string): T => {
    if (ref.namespace === undefined) return ref;
    if (ref.namespace !== mesh) {
      throw new ValidationError(
        "unsupported_field",
        `${field}.namespace`,
        `${field}.namespace "${ref.namespace}" is another mesh than the route's ("${mesh}"); references across meshes are not supported`,
        "meshes are isolated: route to Services of the route's own mesh",
      );
    }
    const { namespace: _same, ...rest } = ref;
    return rest as T;
  };
  const spec = resource.spec;
  const parentRefs = spec.parentRefs.map((p, i) => strip(p, `spec.parentRefs[${i}]`));
  const rules = spec.rules.map((rule, i) => ({
    ...rule,
    ...(rule.backendRefs ? { backendRefs: rule.backendRefs.map((b, j) => strip(b, `spec.rules[${i}].backendRefs[${j}]`)) } : {}),
    ...(rule.filters
      ? {
          filters: rule.filters.map((f, j) =>
            f.requestMirror ? { ...f, requestMirror: { ...f.requestMirror, backendRef: strip(f.requestMirror.backendRef, `spec.rules[${i}].filters[${j}].requestMirror.backendRef`) } } : f,
          ),
        }
      : {}),
  }));
  return { ...resource, spec: { ...spec, parentRefs, rules } } as Resource;
}
