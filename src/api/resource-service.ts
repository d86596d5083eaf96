import { keyString, resourceKey, type Resource, type ResourceKey } from "../contract/resource-types.js";
import { proxyWarnings } from "../contract/proxy-warnings.js";
import { validateResource } from "../contract/resource-schema.js";
import { convertSmiBundle, SmiConversionError, type BundleEntry } from "../contract/smi-conversion.js";
import { ValidationError } from "../contract/validation-error.js";
import type { Conversion, WriteResult, WriteWarning } from "../contract/write-result.js";
import type { ResourceStore, StoredDocument, Write } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";
import { checkReferences } from "./references.js";

export interface Outcome {
  results: WriteResult[];
  /** The highest revision written, or undefined when nothing changed. */
  revision: number | undefined;
  /** Fields of the written documents some proxies will not apply. */
  warnings: WriteWarning[];
  /** SMI documents and what was stored for them. */
  converted: Conversion[];
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

  /**
   * Validates one document against the URL it was sent to; an SMI
   * TrafficSplit is converted to its HTTPRoute first.
   */
  static validateAt(doc: unknown, at: ResourceKey): Resource {
    const [entry] = convertBundle([doc]);
    const resource = validateResource(entry?.doc, at.mesh || undefined);
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

  async put(resource: Resource, ifMatch?: number): Promise<Outcome> {
    return this.apply([resource], [0], ifMatch);
  }

  async delete(key: ResourceKey, ifMatch?: number): Promise<Outcome> {
    const current = await this.store.get(key);
    if (!current) throw new ApiError("not_found", `${key.kind} "${key.name}" does not exist`);
    if (key.kind === "Mesh" && (await this.store.countInMesh(key.name)) > 0) {
      throw new ApiError("conflict", `mesh "${key.name}" still holds resources`, { hint: "delete its resources first" });
    }
    const write: Write = { op: "delete", key, document: stripServerMetadata(current.resource), expect: ifMatch ?? "present" };
    const [revision] = await this.store.commit([write]);
    return { results: [{ ...key, action: "deleted", revision: revision! }], revision, warnings: [], converted: [] };
  }

  /**
   * Applies a bundle of parsed documents atomically. Mesh-scoped documents
   * without metadata.mesh go to `defaultMesh`. With `dryRun`, answers what
   * would happen and writes nothing.
   */
  async applyDocuments(docs: unknown[], opts: { dryRun: boolean; defaultMesh: string }): Promise<Outcome> {
    // Documents keep their index in the bundle as sent: errors and warnings name it.
    const entries = convertBundle(docs);
    const resources = entries.map((e) => {
      try {
        return validateResource(e.doc, opts.defaultMesh);
      } catch (err) {
        if (err instanceof ValidationError) throw ApiError.from(err).inDocument(e.index);
        throw err;
      }
    });
    const seen = new Map<string, number>();
    resources.forEach((r, i) => {
      const k = keyString(resourceKey(r));
      const index = entries[i]!.index;
      if (seen.has(k)) {
        throw new ApiError("conflict", `document ${index} names the same ${r.kind} as document ${seen.get(k)}`, {
          document: index,
          field: "metadata.name",
        });
      }
      seen.set(k, index);
    });
    const outcome = await this.apply(resources, entries.map((e) => e.index), undefined, opts.dryRun);
    outcome.converted = entries.flatMap((e, i) => (e.convertedFrom ? [{ document: e.index, from: e.convertedFrom, resource: resources[i] }] : []));
    return outcome;
  }

  /** `indexes[i]`: where `puts[i]` was in the request, for references and warnings. */
  private async apply(puts: Resource[], indexes: number[], ifMatch?: number, dryRun = false): Promise<Outcome> {
    await checkReferences(this.store, puts, indexes);
    const warnings = puts.flatMap((r, i) =>
      proxyWarnings(r).map((w) => ({ document: indexes[i] ?? i, kind: r.kind, mesh: r.metadata.mesh ?? "", name: r.metadata.name, ...w })),
    );
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
      return { results, revision: undefined, warnings, converted: [] };
    }
    const revisions = await this.store.commit(writes);
    let w = 0;
    for (const res of results) if (res.action !== "unchanged") res.revision = revisions[w++]!;
    return { results, revision: revisions[revisions.length - 1], warnings, converted: [] };
  }
}

/** SMI documents converted (conversion-errors located in their document), the rest as they are. */
function convertBundle(docs: readonly unknown[]): BundleEntry[] {
  try {
    return convertSmiBundle(docs);
  } catch (err) {
    if (err instanceof SmiConversionError) throw ApiError.from(err.validation).inDocument(err.index);
    throw err;
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
