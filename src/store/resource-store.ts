import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { keyString, type Kind, type Resource, type ResourceKey } from "../contract/resource-types.js";
import { journal, resources, writeGuard } from "./d1-schema.js";
import { StoreError } from "./store-error.js";
import type { JournalEntry } from "../contract/journal-entry.js";
import { conditionsSql, keyMatch, type WriteConditions } from "./write-conditions.js";
import { zoneNamesQuery } from "./zone-registry.js";

/** A resource as stored, with the metadata the server owns. */
export interface StoredDocument {
  resource: Resource;
  revision: number;
  createdAt: string;
  updatedAt: string;
  /** The config source that wrote it last; "" when unknown (written before sources were recorded). */
  source: string;
}

/** Who makes a commit, recorded in every journal row it writes. */
export interface Author {
  /** The API token's subject. */
  principal: string;
  /** The config source written through (the subject, or a pipeline's name). */
  source: string;
}

/**
 * One change inside a commit. `expect` makes it conditional:
 * a revision number (If-Match), "absent" (create only) or "present".
 */
export interface Write {
  op: "put" | "delete";
  key: ResourceKey;
  /** For put: the validated document. For delete: the last stored one. */
  document: Resource;
  expect?: number | "absent" | "present";
}

export type { JournalEntry, WriteConditions };

/** What `putInOneBatch` found: written (its journal row and the row as stored), identical to what was stored, or a condition false. */
export type OneBatchPut =
  | { outcome: "committed"; entry: JournalEntry; stored: StoredDocument; created: boolean; zones: string[] }
  | { outcome: "unchanged"; stored: StoredDocument }
  | { outcome: "refused" };

/**
 * Reads and writes resources in D1. Every commit is one D1 batch (one
 * transaction): per write a journal row and the change to `resources`, whose
 * revision is that journal row's seq. Preconditions run inside the same batch
 * (write_guard), so a concurrent writer can never slip in between the check
 * and the write.
 *
 * @example
 * const store = new ResourceStore(env.DB);
 * const [rev] = await store.commit([{ op: "put", key, document }]);
 */
export class ResourceStore {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  async get(key: ResourceKey): Promise<StoredDocument | undefined> {
    const rows = await this.db.select().from(resources).where(keyWhere(key)).limit(1);
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  async getMany(keys: ResourceKey[]): Promise<Map<string, StoredDocument>> {
    const out = new Map<string, StoredDocument>();
    // D1 allows 100 bound parameters per statement; three per key.
    for (let i = 0; i < keys.length; i += 30) {
      const part = keys.slice(i, i + 30);
      const rows = await this.db
        .select()
        .from(resources)
        .where(sql.join(part.map((k) => sql`(${keyWhere(k)})`), sql` OR `));
      for (const row of rows) out.set(keyString({ kind: row.kind as Kind, mesh: row.mesh, name: row.name }), toStored(row));
    }
    return out;
  }

  async list(kind: Kind, mesh: string): Promise<StoredDocument[]> {
    const rows = await this.db
      .select()
      .from(resources)
      .where(and(eq(resources.kind, kind), eq(resources.mesh, mesh)))
      .orderBy(asc(resources.name));
    return rows.map(toStored);
  }

  /** Names of existing resources of one kind in a mesh, among `names`. */
  async existingNames(kind: Kind, mesh: string, names: string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const found = new Set<string>();
    for (let i = 0; i < names.length; i += 90) {
      const rows = await this.db
        .select({ name: resources.name })
        .from(resources)
        .where(and(eq(resources.kind, kind), eq(resources.mesh, mesh), inArray(resources.name, names.slice(i, i + 90))));
      for (const r of rows) found.add(r.name);
    }
    return found;
  }

  /** Every resource a config source wrote last, in every mesh. */
  async listBySource(source: string): Promise<StoredDocument[]> {
    const rows = await this.db.select().from(resources).where(eq(resources.source, source)).orderBy(asc(resources.mesh), asc(resources.kind), asc(resources.name));
    return rows.map(toStored);
  }

  /** Every resource of one mesh, by kind and name. */
  async listInMesh(mesh: string): Promise<StoredDocument[]> {
    const rows = await this.db.select().from(resources).where(eq(resources.mesh, mesh)).orderBy(asc(resources.kind), asc(resources.name));
    return rows.map(toStored);
  }

  async countInMesh(mesh: string): Promise<number> {
    const rows = await this.db.select({ n: sql<number>`count(*)` }).from(resources).where(eq(resources.mesh, mesh));
    return rows[0]?.n ?? 0;
  }

  /** The newest revision in the journal (0 for an empty one). */
  async head(): Promise<number> {
    const rows = await this.db.select({ seq: sql<number>`coalesce(max(${journal.seq}), 0)` }).from(journal);
    return rows[0]?.seq ?? 0;
  }

  /** The newest journal revision that changed anything a proxy of `mesh` is configured from (0: none). */
  async meshHead(mesh: string): Promise<number> {
    const rows = await this.db.all<{ seq: number | null }>(
      sql`SELECT max(seq) AS seq FROM journal WHERE mesh = ${mesh} OR (kind = 'Mesh' AND name = ${mesh})`,
    );
    return rows[0]?.seq ?? 0;
  }

  /** Journal rows after `seq`, oldest first. */
  async journalAfter(seq: number, limit: number): Promise<JournalEntry[]> {
    const rows = await this.db.select().from(journal).where(gt(journal.seq, seq)).orderBy(asc(journal.seq)).limit(limit);
    return rows as JournalEntry[];
  }

  /**
   * Applies all writes or none, returning each write's revision in order.
   * Throws StoreError("precondition_failed") naming the first write whose
   * `expect` did not hold.
   */
  async commit(writes: Write[], author: Author = { principal: "", source: "" }): Promise<number[]> {
    return (await this.commitJournal(writes, author)).map((e) => e.seq);
  }

  /**
   * `commit`, answering the journal rows it wrote (in order) as a zone
   * would read them back, so the zones can be handed them without reading
   * D1 again.
   */
  async commitJournal(writes: Write[], author: Author = { principal: "", source: "" }): Promise<JournalEntry[]> {
    if (writes.length === 0) return [];
    const at = new Date().toISOString();
    const statements = writes.flatMap((w) => this.statementsFor(w, at, author));
    const last = this.db.select({ seq: journal.seq }).from(journal).orderBy(desc(journal.seq)).limit(writes.length);
    try {
      // The tuple type drizzle wants for batch() cannot be built from a
      // runtime list; every element is a batchable drizzle query.
      const results = await this.db.batch([...statements, last] as unknown as Parameters<typeof this.db.batch>[0]);
      const seqs = (results[results.length - 1] as { seq: number }[]).map((r) => r.seq).reverse();
      return writes.map((w, i) => ({ seq: seqs[i]!, kind: w.key.kind, mesh: w.key.mesh, name: w.key.name, op: w.op, document: JSON.stringify(w.document), at }));
    } catch (err) {
      if (!isGuardFailure(err)) throw err;
      throw await this.explainGuardFailure(writes);
    }
  }

  /**
   * One put in one round trip (one batch, one transaction): the conditions
   * the caller would otherwise check on what it read, the journal row and
   * the resources row, both only when the document differs from the stored
   * one (an identical one writes nothing, so no revision and no push), and
   * the row as it then stands, for the answer. Which case happened is read
   * from the results: the revision before and after. "refused" wrote
   * nothing and says only that some condition was false: the caller reads
   * and explains.
   */
  async putInOneBatch(key: ResourceKey, document: Resource, conditions: WriteConditions, author: Author): Promise<OneBatchPut> {
    const at = new Date().toISOString();
    const text = JSON.stringify(document);
    const before = this.db.select({ revision: resources.revision }).from(resources).where(keyWhere(key));
    const guards = conditionsSql(key, conditions).map((c) => this.db.insert(writeGuard).select(sql`SELECT NULL AS ok WHERE NOT (${c})`));
    // Every column in the table's order (seq NULL: the journal numbers it), as drizzle's insert ... select lists them all.
    const entry = this.db.insert(journal).select(
      sql`SELECT NULL, ${key.kind}, ${key.mesh}, ${key.name}, 'put', ${text}, ${at}, ${author.principal}, ${author.source}
          WHERE NOT EXISTS (SELECT 1 FROM resources WHERE ${keyMatch(key)} AND document = ${text})`,
    );
    const upsert = this.db
      .insert(resources)
      .values({ ...key, revision: sql`(SELECT max(seq) FROM journal)`, document: text, createdAt: at, updatedAt: at, source: author.source })
      .onConflictDoUpdate({
        target: [resources.kind, resources.mesh, resources.name],
        set: { revision: sql`excluded.revision`, document: sql`excluded.document`, updatedAt: sql`excluded.updated_at`, source: sql`excluded.source` },
        // The same test as the journal row's: both are written or neither.
        setWhere: sql`${resources.document} IS NOT excluded.document`,
      });
    const after = this.db.select().from(resources).where(keyWhere(key));
    const written = this.db.select().from(journal).where(eq(journal.seq, sql`(SELECT revision FROM resources WHERE ${keyMatch(key)})`));
    let results: readonly unknown[];
    try {
      // As in commitJournal: a runtime list of batchable drizzle queries, which batch()'s tuple type cannot describe.
      // Last, the zones to wake: read in the same round trip (zone-registry.ts).
      results = await this.db.batch([before, ...guards, entry, upsert, after, written, zoneNamesQuery(this.db)] as unknown as Parameters<typeof this.db.batch>[0]);
    } catch (err) {
      if (isGuardFailure(err)) return { outcome: "refused" };
      throw err;
    }
    const prior = (results[0] as { revision: number }[])[0]?.revision;
    const row = (results[results.length - 3] as (typeof resources.$inferSelect)[])[0]!;
    const stored = toStored(row);
    if (prior === row.revision) return { outcome: "unchanged", stored };
    const j = (results[results.length - 2] as (typeof journal.$inferSelect)[])[0]!;
    const zones = (results[results.length - 1] as { name: string }[]).map((z) => z.name).sort();
    return { outcome: "committed", entry: { seq: j.seq, kind: key.kind, mesh: key.mesh, name: key.name, op: "put", document: j.document, at: j.at }, stored, created: prior === undefined, zones };
  }

  /**
   * One delete in one round trip: the conditions (say `exist: [key]`, so an
   * absent resource refuses), the journal row, whose document is the stored
   * one copied inside the batch, the delete, and that journal row read back
   * for the zones. Undefined when a condition was false (nothing written).
   */
  async deleteInOneBatch(key: ResourceKey, conditions: WriteConditions, author: Author): Promise<JournalEntry | undefined> {
    const at = new Date().toISOString();
    const guards = conditionsSql(key, conditions).map((c) => this.db.insert(writeGuard).select(sql`SELECT NULL AS ok WHERE NOT (${c})`));
    // Every column in the table's order, as in putInOneBatch.
    const entry = this.db.insert(journal).select(
      sql`SELECT NULL, kind, mesh, name, 'delete', document, ${at}, ${author.principal}, ${author.source} FROM resources WHERE ${keyMatch(key)}`,
    );
    const written = this.db.select().from(journal).orderBy(desc(journal.seq)).limit(1);
    let results: readonly unknown[];
    try {
      // As in commitJournal: a runtime list of batchable drizzle queries.
      results = await this.db.batch([...guards, entry, this.db.delete(resources).where(keyWhere(key)), written] as unknown as Parameters<typeof this.db.batch>[0]);
    } catch (err) {
      if (isGuardFailure(err)) return undefined;
      throw err;
    }
    const j = (results[results.length - 1] as (typeof journal.$inferSelect)[])[0]!;
    return { seq: j.seq, kind: key.kind, mesh: key.mesh, name: key.name, op: "delete", document: j.document, at: j.at };
  }

  private statementsFor(w: Write, at: string, author: Author) {
    const out = [];
    const guard = guardCondition(w);
    if (guard) out.push(this.db.insert(writeGuard).select(sql`SELECT NULL AS ok WHERE NOT (${guard})`));
    out.push(
      this.db.insert(journal).values({
        kind: w.key.kind,
        mesh: w.key.mesh,
        name: w.key.name,
        op: w.op,
        document: JSON.stringify(w.document),
        at,
        principal: author.principal,
        source: author.source,
      }),
    );
    if (w.op === "put") {
      out.push(
        this.db
          .insert(resources)
          .values({
            kind: w.key.kind,
            mesh: w.key.mesh,
            name: w.key.name,
            revision: sql`(SELECT max(seq) FROM journal)`,
            document: JSON.stringify(w.document),
            createdAt: at,
            updatedAt: at,
            source: author.source,
          })
          .onConflictDoUpdate({
            target: [resources.kind, resources.mesh, resources.name],
            set: { revision: sql`excluded.revision`, document: sql`excluded.document`, updatedAt: sql`excluded.updated_at`, source: sql`excluded.source` },
          }),
      );
    } else {
      out.push(this.db.delete(resources).where(keyWhere(w.key)));
    }
    return out;
  }

  private async explainGuardFailure(writes: Write[]): Promise<StoreError> {
    const current = await this.getMany(writes.map((w) => w.key));
    for (const [index, w] of writes.entries()) {
      const found = current.get(keyString(w.key));
      const actual = found?.revision;
      const holds =
        w.expect === undefined ||
        (w.expect === "absent" && actual === undefined) ||
        (w.expect === "present" && actual !== undefined) ||
        (typeof w.expect === "number" && actual === w.expect);
      if (!holds) return new StoreError("precondition_failed", { index, expected: w.expect, actual });
    }
    // The state changed again since the batch failed; the caller may retry.
    return new StoreError("precondition_failed", { index: 0, expected: writes[0]?.expect, actual: undefined });
  }
}

function keyWhere(key: ResourceKey) {
  return and(eq(resources.kind, key.kind), eq(resources.mesh, key.mesh), eq(resources.name, key.name));
}

function guardCondition(w: Write) {
  if (w.expect === undefined) return undefined;
  const where = sql`kind = ${w.key.kind} AND mesh = ${w.key.mesh} AND name = ${w.key.name}`;
  if (w.expect === "absent") return sql`NOT EXISTS (SELECT 1 FROM resources WHERE ${where})`;
  if (w.expect === "present") return sql`EXISTS (SELECT 1 FROM resources WHERE ${where})`;
  return sql`EXISTS (SELECT 1 FROM resources WHERE ${where} AND revision = ${w.expect})`;
}

function isGuardFailure(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message.includes("write_guard.ok")) return true;
  }
  return false;
}

function toStored(row: typeof resources.$inferSelect): StoredDocument {
  const resource = JSON.parse(row.document) as Resource;
  resource.metadata = {
    ...resource.metadata,
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    ...(row.source ? { source: row.source } : {}),
  };
  return { resource, revision: row.revision, createdAt: row.createdAt, updatedAt: row.updatedAt, source: row.source };
}
