import { keyString, resourceKey, type Resource, type ResourceKey } from "../contract/resource-types.js";
import { proxyWarnings } from "../contract/proxy-warnings.js";
import type { ResourceStore, WriteConditions } from "../store/resource-store.js";
import { referencesOf } from "./references.js";
import type { Outcome } from "./resource-service.js";
import type { WriteContext } from "./write-context.js";

/**
 * The common PUT in one D1 round trip: instead of reading the references
 * and the stored document, deciding, then writing and reading the answer
 * (four trips), the checks travel as conditions inside the write's batch
 * (src/store/write-conditions.ts), so they hold at the moment of the write and
 * no concurrent writer slips in between. Answers undefined when the
 * resource's checks cannot be written as conditions (a Mesh: its CA and
 * mTLS rules; a TrafficPermission: its mesh's mTLS mode), or when a
 * condition was false: the caller then takes the reading path, which says
 * which check failed (a revoked token: 401, asked before it reads) with the same error as always (or, if the state
 * changed meanwhile and the write now holds, writes it).
 *
 * @example const fast = await putInOneBatch(store, ctx, resource, ifMatch); if (fast) return fast;
 */
export async function putInOneBatch(store: ResourceStore, ctx: WriteContext, resource: Resource, ifMatch: number | undefined): Promise<Outcome | undefined> {
  if (resource.kind === "Mesh" || resource.kind === "TrafficPermission") return undefined;
  const key = resourceKey(resource);
  const refs = referencesOf(resource, 0);
  // A document naming itself is checked against itself, not the store: leave it to the reading path.
  if (refs.some((r) => keyString(r) === keyString(key))) return undefined;
  const exist = new Map(refs.map((r) => [keyString(r), { kind: r.kind, mesh: r.mesh, name: r.name }]));
  const ports = refs.flatMap((r) => (r.port ? [{ key: { kind: "Service" as const, mesh: r.mesh, name: r.name }, port: r.port.value }] : []));
  const unrevokedToken = ctx.pendingRevocation();
  const result = await store.putInOneBatch(
    key,
    resource,
    { ...basics(ctx, ifMatch), exist: [...exist.values()], ports, ...(unrevokedToken === undefined ? {} : { unrevokedToken }) },
    ctx.author,
  );
  if (result.outcome === "refused") return undefined;
  ctx.revocationHeld();
  const warnings = proxyWarnings(resource).map((w) => ({ document: 0, kind: resource.kind, mesh: key.mesh, name: key.name, ...w }));
  if (result.outcome === "unchanged") {
    return { results: [{ ...key, action: "unchanged", revision: result.stored.revision }], revision: undefined, warnings, converted: [], stored: result.stored };
  }
  const seq = result.entry.seq;
  return {
    results: [{ ...key, action: result.created ? "created" : "updated", revision: seq }],
    revision: seq,
    warnings,
    converted: [],
    journal: [result.entry],
    stored: result.stored,
    zones: result.zones,
  };
}

/**
 * The common DELETE in one D1 round trip: a resource nothing can name (only
 * Services and Meshes are named by others, so those need the reading path's
 * referrer and contents checks), deleted under its checks as conditions.
 * Undefined when it is such a kind, or a condition was false (absent, stale
 * If-Match, another source's): the reading path then answers 404, 412 or
 * 409 as always.
 *
 * @example const fast = await deleteInOneBatch(store, ctx, key, ifMatch); if (fast) return fast;
 */
export async function deleteInOneBatch(store: ResourceStore, ctx: WriteContext, key: ResourceKey, ifMatch: number | undefined): Promise<Outcome | undefined> {
  if (key.kind === "Service" || key.kind === "Mesh") return undefined;
  const entry = await store.deleteInOneBatch(key, { ...basics(ctx, ifMatch), exist: [key], ports: [] }, ctx.author);
  if (!entry) return undefined;
  return { results: [{ ...key, action: "deleted", revision: entry.seq }], revision: entry.seq, warnings: [], converted: [], journal: [entry] };
}

/** If-Match and, unless forced, the owning source: what every one-batch write checks. */
function basics(ctx: WriteContext, ifMatch: number | undefined): Pick<WriteConditions, "revision" | "ownerSource"> {
  return { ...(ifMatch === undefined ? {} : { revision: ifMatch }), ...(ctx.force ? {} : { ownerSource: ctx.author.source }) };
}
