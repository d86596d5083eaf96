import { and, asc, eq, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { meshCas } from "./d1-schema.js";

export type MeshCaRow = typeof meshCas.$inferSelect;

/** The mesh_cas table: a mesh's roots, oldest first. Holds sealed keys only. */
export class MeshCaStore {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  async roots(mesh: string): Promise<MeshCaRow[]> {
    return this.db.select().from(meshCas).where(eq(meshCas.mesh, mesh)).orderBy(asc(meshCas.createdAt), asc(meshCas.id));
  }

  /** Adds a root unless the mesh has one already (two first writes racing keep one). */
  async addFirst(row: MeshCaRow): Promise<boolean> {
    const res = await this.db.run(
      // Conditional insert: only when no root of the mesh exists yet.
      sql`INSERT INTO mesh_cas (id, mesh, cert_pem, key_sealed, origin, created_at, not_after, sign_from, retire_at)
        SELECT ${row.id}, ${row.mesh}, ${row.certPem}, ${row.keySealed}, ${row.origin}, ${row.createdAt}, ${row.notAfter}, ${row.signFrom}, NULL
        WHERE NOT EXISTS (SELECT 1 FROM mesh_cas WHERE mesh = ${row.mesh})`,
    );
    return (res.meta.changes ?? 0) > 0;
  }

  /** Adds a rotated-in root and sets when the roots it replaces retire, in one batch. */
  async rotate(row: MeshCaRow, replacing: readonly string[], retireAt: string): Promise<void> {
    const insert = this.db.insert(meshCas).values(row);
    const retire = replacing.map((id) => this.db.update(meshCas).set({ retireAt }).where(and(eq(meshCas.mesh, row.mesh), eq(meshCas.id, id))));
    await this.db.batch([insert, ...retire]);
  }
}
