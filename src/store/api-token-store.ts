import { eq } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { ApiTokenView, Role } from "../contract/api-token.js";
import { apiTokens } from "./d1-schema.js";

/**
 * The `api_tokens` table: what each issued API token grants, and its
 * revocation. Revoking an id with no row (a bootstrap token, signed
 * offline) records the revocation all the same; revoking twice keeps the
 * first time.
 *
 * @example
 * const tokens = new ApiTokenStore(env.DB);
 * if ((await tokens.find(claims.jti))?.revokedAt) refuse();
 */
export class ApiTokenStore {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  async insert(view: ApiTokenView): Promise<void> {
    await this.db.insert(apiTokens).values({
      id: view.id,
      subject: view.subject,
      role: view.role,
      meshes: JSON.stringify(view.meshes),
      sources: view.sources ? JSON.stringify(view.sources) : null,
      createdAt: view.createdAt,
      expiresAt: view.expiresAt,
      revokedAt: view.revokedAt,
    });
  }

  async find(id: string): Promise<ApiTokenView | undefined> {
    const rows = await this.db.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1);
    return rows[0] ? toView(rows[0]) : undefined;
  }

  /** Every token, newest first. */
  async list(): Promise<ApiTokenView[]> {
    const rows = await this.db.select().from(apiTokens);
    return rows.map(toView).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** Marks `id` revoked (once), recording a row for an id never issued here; returns the token's view. */
  async revoke(id: string, at: string): Promise<ApiTokenView> {
    await this.db
      .insert(apiTokens)
      .values({ id, subject: "", role: "reader", meshes: "[]", sources: null, createdAt: at, expiresAt: at, revokedAt: at })
      .onConflictDoNothing();
    const current = (await this.find(id))!;
    if (current.revokedAt === null) await this.db.update(apiTokens).set({ revokedAt: at }).where(eq(apiTokens.id, id));
    return (await this.find(id))!;
  }
}

function toView(r: typeof apiTokens.$inferSelect): ApiTokenView {
  return {
    id: r.id,
    subject: r.subject,
    role: r.role as Role,
    meshes: JSON.parse(r.meshes) as string[],
    sources: r.sources === null ? null : (JSON.parse(r.sources) as string[]),
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
  };
}
