import { and, asc, eq, gt, isNotNull, isNull } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { workloadTokenKeys, workloadTokens } from "./d1-schema.js";

export interface WorkloadTokenKeyRecord {
  kid: string;
  mesh: string;
  /** base64 SPKI of the public key. */
  publicSpki: string;
  /** The private key sealed under MESH_CA_SECRET; never leaves the Worker. */
  keySealed: string;
  createdAt: string;
}

/** A workload token as D1 keeps it: its hash, never the token. Times are ISO 8601. */
export interface WorkloadTokenRecord {
  id: string;
  mesh: string;
  service: string;
  zone: string | null;
  tokenHash: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** What a zone hands its bridges: every public key, and the revoked tokens not expired yet. */
export interface AdmissionRecords {
  keys: { kid: string; mesh: string; publicSpki: string }[];
  revoked: string[];
}

/**
 * The `workload_token_keys` and `workload_tokens` tables.
 *
 * @example
 * const store = new WorkloadTokenStore(env.DB);
 * await store.revoke("default", id, new Date().toISOString());
 */
export class WorkloadTokenStore {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  async keyOf(mesh: string): Promise<WorkloadTokenKeyRecord | undefined> {
    const rows = await this.db.select().from(workloadTokenKeys).where(eq(workloadTokenKeys.mesh, mesh)).limit(1);
    return rows[0];
  }

  /** Stores the mesh's key unless another request stored one first; answers the one that stays. */
  async insertKey(record: WorkloadTokenKeyRecord): Promise<WorkloadTokenKeyRecord> {
    await this.db.insert(workloadTokenKeys).values(record).onConflictDoNothing({ target: workloadTokenKeys.mesh });
    return (await this.keyOf(record.mesh))!;
  }

  async insert(record: WorkloadTokenRecord): Promise<void> {
    await this.db.insert(workloadTokens).values(record);
  }

  /** The mesh's tokens, oldest first. */
  async list(mesh: string): Promise<WorkloadTokenRecord[]> {
    return this.db.select().from(workloadTokens).where(eq(workloadTokens.mesh, mesh)).orderBy(asc(workloadTokens.createdAt), asc(workloadTokens.id));
  }

  /** Marks the token revoked (once) and returns it; undefined when `mesh` has no such token. */
  async revoke(mesh: string, id: string, at: string): Promise<WorkloadTokenRecord | undefined> {
    const mine = and(eq(workloadTokens.id, id), eq(workloadTokens.mesh, mesh));
    await this.db.update(workloadTokens).set({ revokedAt: at }).where(and(mine, isNull(workloadTokens.revokedAt)));
    const rows = await this.db.select().from(workloadTokens).where(mine).limit(1);
    return rows[0];
  }

  async admissionRecords(nowIso: string): Promise<AdmissionRecords> {
    const [keys, revoked] = await this.db.batch([
      this.db.select({ kid: workloadTokenKeys.kid, mesh: workloadTokenKeys.mesh, publicSpki: workloadTokenKeys.publicSpki }).from(workloadTokenKeys).orderBy(asc(workloadTokenKeys.kid)),
      // An expired token is refused for its expiry: it need not be listed.
      this.db.select({ id: workloadTokens.id }).from(workloadTokens).where(and(isNotNull(workloadTokens.revokedAt), gt(workloadTokens.expiresAt, nowIso))).orderBy(asc(workloadTokens.id)),
    ]);
    return { keys, revoked: revoked.map((r) => r.id) };
  }
}
