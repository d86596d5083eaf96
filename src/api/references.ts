import { keyString, resourceKey, type Resource } from "../contract/resource-types.js";
import type { ResourceStore } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";

export interface Reference {
  /** Index of the referring document in the request. */
  document: number;
  kind: "Mesh" | "Service";
  mesh: string;
  name: string;
  field: string;
}

/**
 * Refuses documents that name something that will not exist once the
 * request is applied: their mesh, the Services an HTTPRoute attaches to or
 * sends to, a Workload's Service. What the same bundle creates counts as
 * existing; what the same batch deletes (`deleting`, keyStrings) does not.
 *
 * @example await checkReferences(store, [route]);
 */
export async function checkReferences(store: ResourceStore, puts: Resource[], deleting: ReadonlySet<string> = new Set()): Promise<void> {
  const refs = puts.flatMap((r, i) => referencesOf(r, i));
  if (refs.length === 0) return;

  const inBundle = new Set(puts.map((r) => keyString(resourceKey(r))));
  const exists = new Map<string, Set<string>>();
  const groups = new Map<string, { kind: "Mesh" | "Service"; mesh: string; names: Set<string> }>();
  for (const ref of refs) {
    const g = `${ref.kind}/${ref.mesh}`;
    if (!groups.has(g)) groups.set(g, { kind: ref.kind, mesh: ref.mesh, names: new Set() });
    groups.get(g)!.names.add(ref.name);
  }
  for (const [g, { kind, mesh, names }] of groups) {
    exists.set(g, await store.existingNames(kind, mesh, [...names]));
  }

  for (const ref of refs) {
    const found = inBundle.has(keyString(ref)) || (exists.get(`${ref.kind}/${ref.mesh}`)!.has(ref.name) && !deleting.has(keyString(ref)));
    if (!found) {
      const where = ref.kind === "Mesh" ? "" : ` in mesh "${ref.mesh}"`;
      throw new ApiError("missing_reference", `${ref.kind} "${ref.name}"${where} does not exist`, {
        field: ref.field,
        document: ref.document,
        hint: `create the ${ref.kind} first, or in the same /v1/apply bundle`,
      });
    }
  }
}

export function referencesOf(r: Resource, document: number): Reference[] {
  const mesh = r.metadata.mesh;
  if (mesh === undefined) return [];
  const out: Reference[] = [{ document, kind: "Mesh", mesh: "", name: mesh, field: "metadata.mesh" }];
  switch (r.kind) {
    case "Workload":
      out.push({ document, kind: "Service", mesh, name: r.spec.service, field: "spec.service" });
      break;
    case "HTTPRoute":
      r.spec.parentRefs.forEach((p, i) =>
        out.push({ document, kind: "Service", mesh, name: p.name, field: `spec.parentRefs[${i}].name` }),
      );
      r.spec.rules.forEach((rule, i) =>
        rule.backendRefs.forEach((b, j) =>
          out.push({ document, kind: "Service", mesh, name: b.name, field: `spec.rules[${i}].backendRefs[${j}].name` }),
        ),
      );
      break;
    case "BackendPolicy":
      out.push({ document, kind: "Service", mesh, name: r.spec.targetRef.name, field: "spec.targetRef.name" });
      break;
    case "Service":
    case "Mesh":
    case "Zone":
      break;
  }
  return out;
}
