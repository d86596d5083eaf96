import { roleCovers, type ApiTokenClaims } from "../contract/api-token.js";
import { GLOBAL_KINDS, type Kind } from "../contract/resource-types.js";
import { ensureMeshCa } from "../global/mesh-ca.js";
import type { Author } from "../store/resource-store.js";
import { principalOf, requireMesh, requireUnrevoked } from "./access.js";
import { ApiError } from "./api-error.js";
import type { ApiContext } from "./app-env.js";
import { queryBool } from "./request-params.js";

/** Who writes, through which source, and what the token lets it touch. */
export interface WriteContext {
  author: Author;
  /** `?force=true`: take over resources another source owns. */
  force: boolean;
  /** Refuses (403) a write the token does not allow: its mesh, or Mesh and Zone without admin. */
  authorize(target: { kind: Kind; mesh: string }, document?: number): void;
  /**
   * Before a write leaves `mesh` with mTLS enabled: makes its CA (once; with
   * `dryRun` only checks that one could be made). Refuses (not_configured)
   * on a Worker without MESH_CA_SECRET, so no mesh ever has mTLS on and no CA.
   */
  prepareMeshCa(mesh: string, opts: { dryRun: boolean; document?: number }): Promise<void>;
  /** The token's id while its revocation is still to be asked, for a one-batch write to carry as a condition (token-revocation.ts). */
  pendingRevocation(): string | undefined;
  /** A batch carrying that condition went through: the token was not revoked. */
  revocationHeld(): void;
  /** Refuses (401) a revoked token unless that is already known not to be; before any write without the condition. */
  requireUnrevoked(): Promise<void>;
}

/** Sources bridges write through; never an API caller's. */
const RESERVED_SOURCE = /^zone\//;

/**
 * The write context of a request: the principal from its token, the config
 * source it writes as (`?source=NAME`, default the token's subject; a
 * writer only the sources its token lists, an admin any), and `?force`.
 *
 * @example const service = new ResourceService(store, writeContext(c));
 */
export function writeContext(c: ApiContext): WriteContext {
  const claims = principalOf(c);
  const source = c.req.query("source") ?? claims.sub;
  checkSource(claims, source);
  return {
    author: { principal: claims.sub, source },
    force: queryBool(c.req.query("force"), "force") ?? false,
    authorize: (target, document) => authorizeWrite(claims, target, document),
    pendingRevocation: () => c.get("revocation")?.pendingId(),
    revocationHeld: () => c.get("revocation")?.heldInBatch(),
    requireUnrevoked: () => requireUnrevoked(c),
    prepareMeshCa: async (mesh, opts) => {
      const outcome = opts.dryRun ? (c.env.MESH_CA_SECRET ? { ok: true } : { ok: false }) : await ensureMeshCa(c.env, mesh);
      if (outcome.ok) return;
      const err = new ApiError("not_configured", `mesh "${mesh}" enables mTLS, and the control plane has no MESH_CA_SECRET to seal its CA key with`, {
        field: "spec.mtls.mode",
        hint: "set it with `wrangler secret put MESH_CA_SECRET` (`--var MESH_CA_SECRET:...` for wrangler dev), then write the Mesh again",
      });
      throw opts.document === undefined ? err : err.inDocument(opts.document);
    },
  };
}

function checkSource(claims: ApiTokenClaims, source: string): void {
  if (!/^[a-z0-9]([-a-z0-9./]{0,126}[a-z0-9])?$/.test(source) && source !== claims.sub) {
    throw new ApiError("invalid_query", `source "${source}" is not a valid source name`, { field: "source", hint: "lowercase letters, digits, '-', '.', '/'" });
  }
  if (RESERVED_SOURCE.test(source)) {
    throw new ApiError("forbidden", `source "${source}" belongs to a zone's bridges; what they discovered is read-only through the API`, { field: "source" });
  }
  if (claims.role === "admin" || source === claims.sub) return;
  const allowed = claims.sources ?? [];
  if (!allowed.includes("*") && !allowed.includes(source)) {
    throw new ApiError("forbidden", `this token may not write as source "${source}"`, {
      field: "source",
      hint: `it may write as ${[claims.sub, ...allowed].map((s) => `"${s}"`).join(", ")}`,
    });
  }
}

function authorizeWrite(claims: ApiTokenClaims, target: { kind: Kind; mesh: string }, document?: number): void {
  try {
    if (GLOBAL_KINDS.has(target.kind)) {
      if (!roleCovers(claims.role, "admin")) throw new ApiError("forbidden", `writing a ${target.kind} needs the admin role; this token has ${claims.role}`);
      return;
    }
    if (!roleCovers(claims.role, "writer")) throw new ApiError("forbidden", `writing needs the writer role; this token has ${claims.role}`);
    requireMesh(claims, target.mesh);
  } catch (err) {
    throw document !== undefined && err instanceof ApiError ? err.inDocument(document) : err;
  }
}
