import { keyString, resourceKey, type Resource, type ResourceOf } from "../contract/resource-types.js";
import type { ResourceStore } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";

export interface Reference {
  /** Index of the referring document in the request. */
  document: number;
  kind: "Mesh" | "Service";
  mesh: string;
  name: string;
  field: string;
  /** A Service port the reference names and the Service must have (a route parent's `port`). */
  port?: { value: number; field: string };
}

/**
 * Refuses documents that name something that will not exist once the
 * request is applied: their mesh, the Services a route attaches to, sends
 * to or mirrors to, a Workload's Service, and the port a route's parentRef
 * names (a route attached to a port its Service lacks would attach to
 * nothing, yet be reported delivered). What the same bundle creates counts
 * as existing, with the ports it gives its Services. `indexes[i]` is where
 * `puts[i]` was in the request (default: i). What the same batch deletes
 * (`deleting`, keyStrings) does not count as existing.
 *
 * @example await checkReferences(store, [route]);
 */
export async function checkReferences(store: ResourceStore, puts: Resource[], indexes: readonly number[] = [], deleting: ReadonlySet<string> = new Set()): Promise<void> {
  const refs = puts.flatMap((r, i) => referencesOf(r, indexes[i] ?? i));
  if (refs.length === 0) return;

  const inBundle = new Map(puts.map((r) => [keyString(resourceKey(r)), r]));
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
  // The ports of stored Services a parentRef names a port of (the bundle's own win).
  const portChecks = refs.filter((r) => r.port && !inBundle.has(keyString(r)));
  const stored = portChecks.length === 0 ? new Map() : await store.getMany(portChecks.map((r) => ({ kind: "Service" as const, mesh: r.mesh, name: r.name })));

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
    if (ref.port) {
      const service = (inBundle.get(keyString(ref)) ?? stored.get(keyString(ref))?.resource) as ResourceOf<"Service"> | undefined;
      const ports = service?.spec.ports.map((p) => p.port) ?? [];
      if (!ports.includes(ref.port.value)) {
        throw new ApiError("missing_reference", `Service "${ref.name}" in mesh "${ref.mesh}" has no port ${ref.port.value}`, {
          field: ref.port.field,
          document: ref.document,
          hint: `its ports are ${ports.join(", ")}; name one of them, or leave port out to attach to every port`,
        });
      }
    }
  }
}

export function referencesOf(r: Resource, document: number): Reference[] {
  const mesh = r.metadata.mesh;
  if (mesh === undefined) return [];
  const out: Reference[] = [{ document, kind: "Mesh", mesh: "", name: mesh, field: "metadata.mesh" }];
  const service = (name: string, field: string): Reference => ({ document, kind: "Service", mesh, name, field });
  switch (r.kind) {
    case "Workload":
      out.push(service(r.spec.service, "spec.service"));
      break;
    case "HTTPRoute":
    case "GRPCRoute":
      r.spec.parentRefs.forEach((p, i) => {
        const ref = service(p.name, `spec.parentRefs[${i}].name`);
        if (p.port !== undefined) ref.port = { value: p.port, field: `spec.parentRefs[${i}].port` };
        out.push(ref);
      });
      r.spec.rules.forEach((rule, i) => {
        (rule.backendRefs ?? []).forEach((b, j) => out.push(service(b.name, `spec.rules[${i}].backendRefs[${j}].name`)));
        (rule.filters ?? []).forEach((f, j) => {
          if (f.requestMirror) out.push(service(f.requestMirror.backendRef.name, `spec.rules[${i}].filters[${j}].requestMirror.backendRef.name`));
        });
      });
      break;
    case "BackendPolicy":
      out.push(service(r.spec.targetRef.name, "spec.targetRef.name"));
      break;
    case "TrafficPermission":
      out.push(service(r.spec.targetRef.name, "spec.targetRef.name"));
      r.spec.rules.forEach((rule, i) =>
        rule.from.forEach((f, j) => {
          if (f.kind === "Service" && f.name !== undefined) out.push(service(f.name, `spec.rules[${i}].from[${j}].name`));
        }),
      );
      break;
    case "Service":
    case "Mesh":
    case "Zone":
      break;
  }
  return out;
}
