import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { NAME_PATTERN } from "./schema/fields.js";

/**
 * API tokens: signed JWTs (HS256, with `jose`) that every management API
 * route but the health check and the bridges' WebSocket requires. The
 * signing key is the Worker secret API_TOKEN_SECRET; D1 keeps each issued
 * token's id, subject, role, meshes, sources, expiry and revocation, never
 * the token. Shared by the Worker (issues and verifies) and the CLI (signs a
 * bootstrap token with the operator's copy of the secret).
 */

export const ROLES = ["reader", "writer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const TOKEN_ISSUER = "edgeplane";
export const TOKEN_AUDIENCE = "edgeplane-api";
export const MIN_TOKEN_TTL_SECONDS = 60;
export const MAX_TOKEN_TTL_SECONDS = 365 * 24 * 3600;
/** A bootstrap token (signed offline with the secret) lives at most this long: it exists to create the first recorded admin token. */
export const MAX_BOOTSTRAP_TTL_SECONDS = 3600;

const meshOrAll = z.string().refine((m) => m === "*" || NAME_PATTERN.test(m), { error: 'a mesh name, or "*" for every mesh' });
const sourceName = z.string().regex(/^[a-z0-9]([-a-z0-9./]{0,126}[a-z0-9])?$/, { error: "a source name: lowercase letters, digits, '-', '.', '/'" });

/** The claims Edgeplane signs and reads. */
export const apiTokenClaimsSchema = z.object({
  sub: z.string().min(1).max(256),
  role: z.enum(ROLES),
  meshes: z.array(meshOrAll).min(1).max(64),
  /** Sources a writer may write as besides its subject; absent: only its subject. `["*"]`: any. */
  sources: z.array(z.union([sourceName, z.literal("*")])).max(64).optional(),
  jti: z.string().min(1).max(128),
  exp: z.int(),
  iat: z.int(),
  /** Signed offline with the secret (`edgeplane token bootstrap`), not issued through the API. */
  bst: z.boolean().optional(),
});
export type ApiTokenClaims = z.output<typeof apiTokenClaimsSchema>;

export type TokenReading = { ok: true; claims: ApiTokenClaims } | { ok: false; reason: "malformed" | "bad_signature" | "expired" | "invalid_claims" };

const key = (secret: string) => new TextEncoder().encode(secret);

/**
 * Signs a token. `bootstrap` marks one made offline from the secret (its TTL
 * is capped at MAX_BOOTSTRAP_TTL_SECONDS).
 *
 * @example const { token } = await signApiToken(secret, { sub: "ci", role: "writer", meshes: ["default"], ttlSeconds: 3600 }, Date.now());
 */
export async function signApiToken(
  secret: string,
  claims: { sub: string; role: Role; meshes: string[]; sources?: string[]; ttlSeconds: number; jti?: string; bootstrap?: boolean },
  nowMs: number,
): Promise<{ token: string; claims: ApiTokenClaims }> {
  const iat = Math.floor(nowMs / 1000);
  const full: ApiTokenClaims = apiTokenClaimsSchema.parse({
    sub: claims.sub,
    role: claims.role,
    meshes: claims.meshes,
    ...(claims.sources ? { sources: claims.sources } : {}),
    jti: claims.jti ?? crypto.randomUUID(),
    iat,
    exp: iat + claims.ttlSeconds,
    ...(claims.bootstrap ? { bst: true } : {}),
  });
  const token = await new SignJWT({ role: full.role, meshes: full.meshes, ...(full.sources ? { sources: full.sources } : {}), ...(full.bst ? { bst: true } : {}) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(full.sub)
    .setJti(full.jti)
    .setIssuedAt(full.iat)
    .setExpirationTime(full.exp)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .sign(key(secret));
  return { token, claims: full };
}

/**
 * Checks a token's signature, issuer, audience, expiry and claims.
 * Whether it was revoked is the caller's question (D1).
 *
 * @example const r = await verifyApiToken(env.API_TOKEN_SECRET, bearer, Date.now());
 */
export async function verifyApiToken(secret: string, token: string, nowMs: number): Promise<TokenReading> {
  if (token.length > 4096 || token.split(".").length !== 3) return { ok: false, reason: "malformed" };
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key(secret), {
      algorithms: ["HS256"],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      currentDate: new Date(nowMs),
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: "expired" };
    if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: "bad_signature" };
    if (err instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: "invalid_claims" };
    return { ok: false, reason: "malformed" };
  }
  const claims = apiTokenClaimsSchema.safeParse(payload);
  if (!claims.success) return { ok: false, reason: "invalid_claims" };
  if (claims.data.bst && claims.data.exp - claims.data.iat > MAX_BOOTSTRAP_TTL_SECONDS) return { ok: false, reason: "invalid_claims" };
  return { ok: true, claims: claims.data };
}

/** Whether `role` carries the rights of `needed` (admin > writer > reader). */
export function roleCovers(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Whether the token's meshes include `mesh`. */
export function meshCovered(claims: Pick<ApiTokenClaims, "meshes">, mesh: string): boolean {
  return claims.meshes.includes("*") || claims.meshes.includes(mesh);
}

/** What the API shows of a token (never the token itself). */
export interface ApiTokenView {
  id: string;
  subject: string;
  role: Role;
  meshes: string[];
  sources: string[] | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** `POST /v1/tokens`: the view, plus the token, which is shown only here. */
export type IssuedApiToken = ApiTokenView & { token: string };
