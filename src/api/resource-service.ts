import { keyString, resourceKey, type Resource, type ResourceKey } from "../contract/resource-types.js";
import { proxyWarnings } from "../contract/proxy-warnings.js";
import { validateResource } from "../contract/resource-schema.js";
import { convertSmiBundle, SmiConversionError, type BundleEntry } from "../contract/smi-conversion.js";
import { ValidationError } from "../contract/validation-error.js";
import type { Conversion, WriteResult, WriteWarning } from "../contract/write-result.js";
import type { JournalEntry, ResourceStore, StoredDocument, Write } from "../store/resource-store.js";
import { StoreError } from "../store/store-error.js";
import { ApiError } from "./api-error.js";
import { checkMtlsRules } from "./mtls-rules.js";
import { deleteInOneBatch, putInOneBatch } from "./one-batch-write.js";
import { checkReferences } from "./references.js";
import { referrersOf } from "./referrers.js";
import type { WriteContext } from "./write-context.js";


export interface Outcome {
  results: WriteResult[];
  /** The highest revision written, or undefined when nothing changed. */
  revision: number | undefined;
  /** Fields of the written documents some proxies will not apply. */
  warnings: WriteWarning[];
  /** SMI documents and what was stored for them. */
  converted: Conversion[];
  /** The journal rows committed, in order (none for a dry run or when nothing changed): handed to the zones. */
  journal?: JournalEntry[];
  /** The document as the write left it, when the write's own batch read it back (so the answer needs no read of its own). */
  stored?: StoredDocument;
  /** The zones to wake, when the write's own batch read them (so waking them needs no read of its own). */
  zones?: string[];
}

/**
 * The rules every write follows, whichever route it came by: the token may
 * write there, validate, check references, skip documents identical to what
 * is stored (no new revision, so no push), refuse to change what another
 * config source owns (unless forced), then commit everything in one batch
 * recorded with its principal and source.
 *
 * @example
 * const out = await new ResourceService(store, writeContext(c)).put(resource);
 */
export class ResourceService {
  constructor(
    private readonly store: ResourceStore,
    private readonly ctx: WriteContext,
  ) {}

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

  /** Writes one resource; with `dryRun`, answers what would happen and writes nothing. */
  async put(resource: Resource, ifMatch?: number, opts: { dryRun?: boolean } = {}): Promise<Outcome> {
    this.ctx.authorize(resourceKey(resource));
    const dryRun = opts.dryRun ?? false;
    // The common case in one round trip; anything it cannot decide alone (and a dry run, which must not write) reads first.
    const fast = dryRun ? undefined : await putInOneBatch(this.store, this.ctx, resource, ifMatch);
    return fast ?? this.apply([resource], [0], [], ifMatch, dryRun);
  }

  /**
   * Deletes one resource. A Service that other resources still name is
   * refused (409, naming them) unless `cascade`, which deletes them in the
   * same batch: a route must never be left pointing at nothing while the
   * API would refuse to write it again.
   */
  async delete(key: ResourceKey, ifMatch?: number, opts: { cascade?: boolean } = {}): Promise<Outcome> {
    this.ctx.authorize(key);
    const fast = await deleteInOneBatch(this.store, this.ctx, key, ifMatch);
    if (fast) return fast;
    await this.ctx.requireUnrevoked();
    const current = await this.store.get(key);
    if (!current) throw new ApiError("not_found", `${key.kind} "${key.name}" does not exist`);
    if (key.kind === "Mesh" && (await this.store.countInMesh(key.name)) > 0) {
      throw new ApiError("conflict", `mesh "${key.name}" still holds resources`, { hint: "delete its resources first" });
    }
    // A stale If-Match is the first thing to say: the caller decided on an old view.
    if (ifMatch !== undefined && current.revision !== ifMatch) throw new StoreError("precondition_failed", { index: 0, expected: ifMatch, actual: current.revision });
    this.checkOwner(key, current);
    const referrers = await referrersOf(this.store, key);
    if (referrers.length > 0 && !opts.cascade) {
      const names = referrers.map((r) => `${r.key.kind} "${r.key.name}" (${r.field})`).join(", ");
      throw new ApiError("conflict", `${key.kind} "${key.name}" is still used by ${names}`, {
        hint: "change or delete those first, or delete them with it: ?cascade=true",
      });
    }
    for (const r of referrers) {
      this.ctx.authorize(r.key);
      this.checkOwner(r.key, r.stored);
    }
    const writes: Write[] = [
      { op: "delete", key, document: stripServerMetadata(current.resource), expect: ifMatch ?? "present" },
      // Each as read: one changed meanwhile fails the whole batch rather than being deleted unseen.
      ...referrers.map((r): Write => ({ op: "delete", key: r.key, document: stripServerMetadata(r.stored.resource), expect: r.stored.revision })),
    ];
    const journal = await this.store.commitJournal(writes, this.ctx.author);
    return {
      results: writes.map((w, i) => ({ ...w.key, action: "deleted" as const, revision: journal[i]!.seq })),
      revision: journal[journal.length - 1]?.seq,
      warnings: [],
      converted: [],
      journal,
    };
  }

  /**
   * Applies a bundle of parsed documents atomically. Mesh-scoped documents
   * without metadata.mesh go to `defaultMesh`. With `dryRun`, answers what
   * would happen and writes nothing. With `prune`, the write's source ends
   * up owning exactly the bundle: what it owns and the bundle no longer
   * holds is deleted in the same batch (GitOps sync).
   */
  async applyDocuments(docs: unknown[], opts: { dryRun: boolean; defaultMesh: string; prune?: boolean }): Promise<Outcome> {
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
      this.ctx.authorize(resourceKey(r), index);
    });
    const pruned = opts.prune ? await this.prunable(resources) : [];
    const outcome = await this.apply(resources, entries.map((e) => e.index), pruned, undefined, opts.dryRun);
    outcome.converted = entries.flatMap((e, i) => (e.convertedFrom ? [{ document: e.index, from: e.convertedFrom, resource: resources[i] }] : []));
    return outcome;
  }

  /** What the write's source owns and the bundle does not hold, refusing a prune that would leave a reference dangling. */
  private async prunable(puts: Resource[]): Promise<StoredDocument[]> {
    const keep = new Set(puts.map((r) => keyString(resourceKey(r))));
    const owned = await this.store.listBySource(this.ctx.author.source);
    const gone = owned.filter((d) => !keep.has(keyString(resourceKey(d.resource))));
    const goneKeys = new Set(gone.map((d) => keyString(resourceKey(d.resource))));
    for (const d of gone) {
      this.ctx.authorize(resourceKey(d.resource));
      for (const ref of await referrersOf(this.store, resourceKey(d.resource))) {
        const k = keyString(ref.key);
        // Its referrer goes too, or the bundle replaces it (the bundle's own references are checked against the outcome).
        if (goneKeys.has(k) || keep.has(k)) continue;
        throw new ApiError("conflict", `pruning ${describe(resourceKey(d.resource))} would leave ${describe(ref.key)} naming it (${ref.field})`, {
          hint: "keep it in the bundle, or change that resource first",
        });
      }
    }
    return gone;
  }

  /** `indexes[i]`: where `puts[i]` was in the request, for references and warnings. */
  private async apply(puts: Resource[], indexes: number[], deletes: StoredDocument[], ifMatch?: number, dryRun = false): Promise<Outcome> {
    // A token whose revocation was left to a batch (token-revocation.ts) is asked before this path writes anything.
    await this.ctx.requireUnrevoked();
    const deleting = new Set(deletes.map((d) => keyString(resourceKey(d.resource))));
    await checkReferences(this.store, puts, indexes, deleting);
    await checkMtlsRules(this.store, puts, indexes, deleting);
    const warnings = puts.flatMap((r, i) =>
      proxyWarnings(r).map((w) => ({ document: indexes[i] ?? i, kind: r.kind, mesh: r.metadata.mesh ?? "", name: r.metadata.name, ...w })),
    );
    const current = await this.store.getMany(puts.map(resourceKey));
    const writes: Write[] = [];
    const results: WriteResult[] = [];
    for (const [i, r] of puts.entries()) {
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
      if (stored) this.checkOwner(key, stored, puts.length > 1 ? indexes[i] : undefined);
      const write: Write = { op: "put", key, document: r };
      if (ifMatch !== undefined) write.expect = ifMatch;
      writes.push(write);
      results.push({ ...key, action: stored ? "updated" : "created", revision: 0 });
    }
    for (const d of deletes) {
      const key = resourceKey(d.resource);
      writes.push({ op: "delete", key, document: stripServerMetadata(d.resource), expect: d.revision });
      results.push({ ...key, action: "deleted", revision: 0 });
    }
    for (const [i, r] of puts.entries()) {
      if (r.kind === "Mesh" && (r.spec.mtls?.mode ?? "disabled") !== "disabled") {
        await this.ctx.prepareMeshCa(r.metadata.name, { dryRun, ...(puts.length > 1 ? { document: indexes[i] ?? i } : {}) });
      }
    }
    if (dryRun || writes.length === 0) {
      return { results, revision: undefined, warnings, converted: [] };
    }
    const journal = await this.store.commitJournal(writes, this.ctx.author);
    let w = 0;
    for (const res of results) if (res.action !== "unchanged") res.revision = journal[w++]!.seq;
    return { results, revision: journal[journal.length - 1]?.seq, warnings, converted: [], journal };
  }

  /** Refuses (409) to change what another config source wrote, unless forced. */
  private checkOwner(key: ResourceKey, stored: StoredDocument, document?: number): void {
    if (stored.source === "" || stored.source === this.ctx.author.source || this.ctx.force) return;
    throw new ApiError("owned_by_other_source", `${describe(key)} belongs to source "${stored.source}"; this write is from "${this.ctx.author.source}"`, {
      hint: "write it through that source, or pass ?force=true to take it over",
      ...(document === undefined ? {} : { document }),
    });
  }
}

function describe(key: ResourceKey): string {
  return `${key.kind} "${key.name}"${key.mesh ? ` in mesh "${key.mesh}"` : ""}`;
}

/** SMI documents converted (conversion errors located in their document), the rest as they are. */
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

/** The document as the user wrote it (validated), without what the server sets (revision, timestamps, source). */
export function stripServerMetadata(r: Resource): Resource {
  const { revision: _r, createdAt: _c, updatedAt: _u, source: _s, ...metadata } = r.metadata;
  return { ...r, metadata } as Resource;
}
