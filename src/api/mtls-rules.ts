import { keyString, resourceKey, type Resource, type ResourceOf } from "../contract/resource-types.js";
import type { ResourceStore } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";

type MtlsMode = NonNullable<ResourceOf<"Mesh">["spec"]["mtls"]>["mode"];

/**
 * TrafficPermission names callers by their certificate's identity, so a
 * mesh without mTLS could not enforce it: it would be stored and ignored,
 * which is worse than refused. Refuses, once the request is applied, a
 * TrafficPermission in a mesh whose mode is `disabled`, either because it is
 * written there or because the Mesh is switched to `disabled` under it.
 * What the same bundle writes or deletes counts as done.
 *
 * @example await checkMtlsRules(store, puts, indexes, deleting);
 */
export async function checkMtlsRules(store: ResourceStore, puts: Resource[], indexes: readonly number[], deleting: ReadonlySet<string>): Promise<void> {
  const meshesInBundle = new Map<string, { mode: MtlsMode; document: number }>();
  puts.forEach((r, i) => {
    if (r.kind === "Mesh") meshesInBundle.set(r.metadata.name, { mode: r.spec.mtls?.mode ?? "disabled", document: indexes[i] ?? i });
  });
  const permissions = puts.flatMap((r, i) => (r.kind === "TrafficPermission" ? [{ r, document: indexes[i] ?? i }] : []));

  const storedModes = new Map<string, MtlsMode>();
  const modeOf = async (mesh: string): Promise<MtlsMode> => {
    const inBundle = meshesInBundle.get(mesh);
    if (inBundle) return inBundle.mode;
    if (!storedModes.has(mesh)) {
      const stored = await store.get({ kind: "Mesh", mesh: "", name: mesh });
      storedModes.set(mesh, (stored?.resource as ResourceOf<"Mesh"> | undefined)?.spec.mtls?.mode ?? "disabled");
    }
    return storedModes.get(mesh)!;
  };

  for (const { r, document } of permissions) {
    const mesh = r.metadata.mesh ?? "";
    if ((await modeOf(mesh)) === "disabled") {
      throw new ApiError("mtls_required", `TrafficPermission "${r.metadata.name}" needs mTLS, and mesh "${mesh}" has it disabled`, {
        field: "metadata.mesh",
        document,
        hint: `set spec.mtls.mode of Mesh "${mesh}" to permissive or strict first (or in the same bundle)`,
      });
    }
  }

  const written = new Set(puts.map((r) => keyString(resourceKey(r))));
  for (const [mesh, { mode, document }] of meshesInBundle) {
    if (mode !== "disabled") continue;
    const kept = (await store.list("TrafficPermission", mesh)).filter((d) => {
      const k = keyString(resourceKey(d.resource));
      return !deleting.has(k) && !written.has(k);
    });
    if (kept.length > 0) {
      throw new ApiError("mtls_required", `mesh "${mesh}" has ${kept.length} TrafficPermission(s) (${kept.map((d) => d.resource.metadata.name).join(", ")}) that need mTLS`, {
        field: "spec.mtls.mode",
        document,
        hint: "delete them first (or in the same bundle), or keep mode permissive",
      });
    }
  }
}
