import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * D1 is the source of truth (shared/design.md section 1). Two tables carry
 * it: `resources` holds the current version of every resource, `journal` every
 * write ever made, in order. A write adds one journal row and changes one
 * resources row in the same batch, and the row's journal `seq` is the
 * resource's revision, so "revision N" means the same thing everywhere: in
 * the API, in every zone, and in xDS version_info.
 */
export const resources = sqliteTable(
  "resources",
  {
    kind: text("kind").notNull(),
    /** "" for global kinds (Mesh, Zone). */
    mesh: text("mesh").notNull(),
    name: text("name").notNull(),
    revision: integer("revision").notNull(),
    /** The validated document as JSON, without server-set metadata. */
    document: text("document").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** The config source that wrote it last (a person, a pipeline); "" before sources were recorded. */
    source: text("source").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.kind, t.mesh, t.name] }), index("resources_mesh_kind").on(t.mesh, t.kind), index("resources_source").on(t.source)],
);

export const journal = sqliteTable(
  "journal",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    mesh: text("mesh").notNull(),
    name: text("name").notNull(),
    /** "put" or "delete". */
    op: text("op").notNull(),
    /** The document written; the last document for a delete, so history keeps it. */
    document: text("document").notNull(),
    at: text("at").notNull(),
    /** Who wrote it: the API token's subject ("" before writes were attributed). */
    principal: text("principal").notNull().default(""),
    /** Through which config source. */
    source: text("source").notNull().default(""),
  },
  (t) => [index("journal_resource").on(t.kind, t.mesh, t.name, t.seq)],
);

/**
 * Makes a batch all-or-nothing on a condition: a statement inserts NULL here
 * when a precondition (If-Match, "must exist") does not hold, the NOT NULL
 * constraint fails, and D1 rolls the whole batch back. No row is ever stored.
 */
export const writeGuard = sqliteTable("write_guard", {
  ok: integer("ok").notNull(),
});

/** Zones that ever connected a bridge: the global plane wakes these on writes. */
export const zonesSeen = sqliteTable("zones_seen", {
  name: text("name").primaryKey(),
  lastConnectAt: text("last_connect_at").notNull().default(sql`CURRENT_TIMESTAMP`),
});

/**
 * Each zone's service inventory as it last reported it (issue 4): the
 * workloads its bridges discovered, and its ingress address. `report_seq`
 * only grows; a report with a sequence already stored is a retry and changes
 * nothing, so a zone's queued reports arrive exactly once.
 */
export const zoneInventory = sqliteTable("zone_inventory", {
  zone: text("zone").primaryKey(),
  reportSeq: integer("report_seq").notNull(),
  /** JSON array of {key, mesh, name, document}. */
  workloads: text("workloads").notNull(),
  /** JSON {address, port} or null. */
  ingress: text("ingress"),
  updatedAt: text("updated_at").notNull(),
});

/**
 * Zone tokens (src/global/zone-tokens.ts). Only the SHA-256 of each token is
 * kept: the token itself is shown once, when issued. Zones read `revoked_at`
 * when a bridge says Hello.
 */
export const zoneTokens = sqliteTable(
  "zone_tokens",
  {
    id: text("id").primaryKey(),
    zone: text("zone").notNull(),
    /** Hex SHA-256 of the token string. */
    tokenHash: text("token_hash").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("zone_tokens_zone").on(t.zone)],
);

/**
 * API tokens (src/contract/api-token.ts): what each issued token grants and
 * whether it was revoked. Never the token. A token signed offline (a
 * bootstrap token) has no row until it is revoked.
 */
export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  subject: text("subject").notNull(),
  role: text("role").notNull(),
  /** JSON array of mesh names, or ["*"]. */
  meshes: text("meshes").notNull(),
  /** JSON array of source names, or null: only the subject. */
  sources: text("sources"),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  revokedAt: text("revoked_at"),
});

/**
 * Each mesh's CA roots (src/global/mesh-ca.ts). The private key is only
 * ever here sealed with AES-GCM under the Worker secret MESH_CA_SECRET
 * (src/global/ca-vault.ts); no route returns it.
 */
export const meshCas = sqliteTable(
  "mesh_cas",
  {
    id: text("id").primaryKey(),
    mesh: text("mesh").notNull(),
    certPem: text("cert_pem").notNull(),
    /** base64 of the 12-byte IV followed by the AES-GCM ciphertext of the PKCS#8 key. */
    keySealed: text("key_sealed").notNull(),
    /** "generated" or "imported". */
    origin: text("origin").notNull(),
    createdAt: text("created_at").notNull(),
    notAfter: text("not_after").notNull(),
    /** From when it signs leaves: at once for a mesh's first root; a rotated-in root after every leaf renewed with the bundle that trusts it. */
    signFrom: text("sign_from").notNull(),
    /** When it leaves the trust bundle (every leaf it signed has expired); null while it is the newest. */
    retireAt: text("retire_at"),
  },
  (t) => [index("mesh_cas_mesh").on(t.mesh)],
);

/**
 * The keys workload tokens are signed with (src/global/workload-tokens.ts),
 * one per mesh: the public key in SPKI (base64) for zones and bridges, the
 * private key only sealed under MESH_CA_SECRET (src/global/ca-vault.ts).
 */
export const workloadTokenKeys = sqliteTable("workload_token_keys", {
  kid: text("kid").primaryKey(),
  mesh: text("mesh").notNull().unique(),
  publicSpki: text("public_spki").notNull(),
  keySealed: text("key_sealed").notNull(),
  createdAt: text("created_at").notNull(),
});

/** Issued workload tokens: what each admits and whether it was revoked. Never the token: its SHA-256. */
export const workloadTokens = sqliteTable(
  "workload_tokens",
  {
    id: text("id").primaryKey(),
    mesh: text("mesh").notNull(),
    service: text("service").notNull(),
    /** Null: any zone. */
    zone: text("zone"),
    tokenHash: text("token_hash").notNull(),
    createdAt: text("created_at").notNull(),
    createdBy: text("created_by").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("workload_tokens_mesh").on(t.mesh)],
);
