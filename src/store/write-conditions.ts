import { sql, type SQL } from "drizzle-orm";
import type { ResourceKey } from "../contract/resource-types.js";

/**
 * What must hold for a put or delete to be committed without the API
 * reading first: the checks the API would make on what it read (If-Match,
 * the config source that owns the resource, that it or its references
 * exist, that the caller's API token is not revoked), as SQL evaluated inside the write's own batch. Any of them false fails the batch, writing nothing; the
 * caller then reads and explains (or finds the state changed and writes).
 */
export interface WriteConditions {
  /** If-Match: the stored revision. */
  revision?: number;
  /** Refuse a resource another config source wrote (undefined: forced, or no owner check). */
  ownerSource?: string;
  /** Resources that must exist (a route's Services, the mesh). */
  exist: ResourceKey[];
  /** Service ports that must exist (a route parent's `port`). */
  ports: { key: ResourceKey; port: number }[];
  /** The id of the API token the write is made with, which must not be revoked (src/api/token-revocation.ts); absent: already checked. */
  unrevokedToken?: string;
}

/** One condition per entry; each becomes its own guard statement, so no statement nears D1's 100 bound parameters. */
export function conditionsSql(key: ResourceKey, c: WriteConditions): SQL[] {
  const out: SQL[] = [];
  if (c.revision !== undefined) out.push(sql`EXISTS (SELECT 1 FROM resources WHERE ${keyMatch(key)} AND revision = ${c.revision})`);
  if (c.ownerSource !== undefined) out.push(sql`NOT EXISTS (SELECT 1 FROM resources WHERE ${keyMatch(key)} AND source <> '' AND source <> ${c.ownerSource})`);
  for (const k of c.exist) out.push(sql`EXISTS (SELECT 1 FROM resources WHERE ${keyMatch(k)})`);
  if (c.unrevokedToken !== undefined) out.push(sql`NOT EXISTS (SELECT 1 FROM api_tokens WHERE id = ${c.unrevokedToken} AND revoked_at IS NOT NULL)`);
  for (const { key: k, port } of c.ports) {
    out.push(sql`EXISTS (SELECT 1 FROM resources, json_each(resources.document, '$.spec.ports') AS p WHERE ${keyMatch(k)} AND json_extract(p.value, '$.port') = ${port})`);
  }
  return out;
}

export function keyMatch(key: ResourceKey): SQL {
  return sql`resources.kind = ${key.kind} AND resources.mesh = ${key.mesh} AND resources.name = ${key.name}`;
}
