import { keyString, resourceKey, type Resource, type ResourceKey } from "../contract/resource-types.js";
import { validateResource } from "../contract/resource-schema.js";
import { ValidationError } from "../contract/validation-error.js";
import type { WriteResult } from "../contract/write-result.js";
import type { ResourceStore, StoredDocument, Write } from "../store/resource-store.js";
import { StoreError } from "../store/store-error.js";
import { ApiError } from "./api-error.js";
import { checkReferences } from "./references.js";
import { referrersOf } from "./referrers.js";


export interface Outcome {
  results: WriteResult[];
  /** The highest revision written, or undefined when nothing changed. */
  revision: number | undefined;
}

/**
 * The rules every write follows, whichever route it came by: validate, check
 * references, skip documents identical to what is stored (no new revision,
 * so no push), then commit everything in one batch.
 *
 * @example
 * const out = await new ResourceService(store).put(doc, { kind: "Service", mesh: "default", name: "echo" });
 */
export class ResourceService {
  constructor(private readonly store: ResourceStore) {}

  /** Validates one document against the URL it was sent to. */
  static validateAt(doc: unknown, at: ResourceKey): Resource {
    const resource = validateResource(doc, at.mesh || undefined);
    if (resource.kind !== at.kind) {
      throw new ApiError("name_mismatch", `the URL is for ${at.kind}, the document is a ${resource.kind}`, { field: "kind" });
    }
    if (resource.metadata.name !== at.name) {
      throw new ApiError("name_mismatch", `the URL names "${at.name}", the document "${resource.metadata.name}"`, {
        field: "metadata.name",
      });
    }
    if ((resource.metadata.mesh ?? "") !== at.mesh) {
      throw new ApiError("name_mismatch", `the URL is for mesh "${at.mesh}", the document for "${resource.metadata.mesh}"`, {
        field: "metadata.mesh",
      });
    }
    return resource;
  }

  /** Writes one resource; with `dryRun`, answers what would happen and writes nothing. */
  async put(resource: Resource, ifMatch?: number, opts: { dryRun?: boolean } = {}): Promise<Outcome> {
    return this.apply([resource], ifMatch, opts.dryRun ?? false);
  }

  /**
   * Deletes one resource. A Service that other resources still name is
   * refused (409, naming them) unless `cascade`, which deletes them in the
   * same batch: a route must never be left pointing at nothing while the
   * API would refuse to write it again.
   */
  async delete(key: ResourceKey, ifMatch?: number, opts: { cascade?: boolean } = {}): Promise<Outcome> {
    const current = await this.store.get(key);
    if (!current) throw new ApiError("not_found", `${key.kind} "${key.name}" does not exist`);
    if (key.kind === "Mesh" && (await this.store.countInMesh(key.name)) > 0) {
      throw new ApiError("conflict", `mesh "${key.name}" still holds resources`, { hint: "delete its resources first" });
    }
    // A stale If-Match is the first thing to say: the caller decided on an old view.
    if (ifMatch !== undefined && current.revision !== ifMatch) throw new StoreError("precondition_failed", { index: 0, expected: ifMatch, actual: current.revision });
    const referrers = await referrersOf(this.store, key);
    if (referrers.length > 0 && !opts.cascade) {
      const names = referrers.map((r) => `${r.key.kind} "${r.key.name}" (${r.field})`).join(", ");
      throw new ApiError("conflict", `${key.kind} "${key.name}" is still used by ${names}`, {
        hint: "change or delete those first, or delete them with it: ?cascade=true",
      });
    }
    const writes: Write[] = [
      { op: "delete", key, document: stripServerMetadata(current.resource), expect: ifMatch ?? "present" },
      // Each as read: one changed meanwhile fails the whole batch rather than being deleted unseen.
      ...referrers.map((r): Write => ({ op: "delete", key: r.key, document: stripServerMetadata(r.stored.resource), expect: r.stored.revision })),
    ];
    const revisions = await this.store.commit(writes);
    return {
      results: writes.map((w, i) => ({ ...w.key, action: "deleted" as const, revision: revisions[i]! })),
      revision: revisions[revisions.length - 1],
    };
  }

  /**
   * Applies a bundle of parsed documents atomically. Mesh-scoped documents
   * without metadata.mesh go to `defaultMesh`. With `dryRun`, answers what
   * would happen and writes nothing.
   */
  async applyDocuments(docs: unknown[], opts: { dryRun: boolean; defaultMesh: string }): Promise<Outcome> {
    const resources = docs.map((d, i) => {
      try {
        return validateResource(d, opts.defaultMesh);
      } catch (err) {
        if (err instanceof ValidationError) throw ApiError.from(err).inDocument(i);
        throw err;
      }
    });
    const seen = new Map<string, number>();
    resources.forEach((r, i) => {
      const k = keyString(resourceKey(r));
      if (seen.has(k)) {
        throw new ApiError("conflict", `document ${i} names the same ${r.kind} as document ${seen.get(k)}`, {
          document: i,
          field: "metadata.name",
        });
      }
      seen.set(k, i);
    });
    return this.apply(resources, undefined, opts.dryRun);
  }

  private async apply(puts: Resource[], ifMatch?: number, dryRun = false): Promise<Outcome> {
    await checkReferences(this.store, puts);
    const current = await this.store.getMany(puts.map(resourceKey));
    const writes: Write[] = [];
    const results: WriteResult[] = [];
    for (const r of puts) {
      const key = resourceKey(r);
      const stored = current.get(keyString(key));
      if (ifMatch !== undefined && stored?.revision !== ifMatch) {
        throw new ApiError("precondition_failed", `the resource is at revision ${stored?.revision ?? "(absent)"}, not ${ifMatch}`, {
          hint: "read it again, reapply your change and send the new revision in If-Match",
        });
      }
      if (stored && sameDocument(stored, r)) {
        results.push({ ...key, action: "unchanged", revision: stored.revision });
        continue;
      }
      const write: Write = { op: "put", key, document: r };
      if (ifMatch !== undefined) write.expect = ifMatch;
      writes.push(write);
      results.push({ ...key, action: stored ? "updated" : "created", revision: 0 });
    }
    if (dryRun || writes.length === 0) {
      return { results, revision: undefined };
    }
    const revisions = await this.store.commit(writes);
    let w = 0;
    for (const res of results) if (res.action !== "unchanged") res.revision = revisions[w++]!;
    return { results, revision: revisions[revisions.length - 1] };
  }
}

function sameDocument(stored: StoredDocument, next: Resource): boolean {
  return JSON.stringify(stripServerMetadata(stored.resource)) === JSON.stringify(next);
}

/** The document as the user wrote it (validated), without revision and timestamps. */
export function stripServerMetadata(r: Resource): Resource {
  const { revision: _r, createdAt: _c, updatedAt: _u, ...metadata } = r.metadata;
  return { ...r, metadata } as Resource;
}
