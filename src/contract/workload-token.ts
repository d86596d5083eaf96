/**
 * Workload tokens: what a proxy carries in its node metadata (`token`) to
 * prove it may be the service it declares. A token is
 * `ewt1.<payload>.<signature>`: payload the base64url JSON of
 * WorkloadTokenClaims, signature the base64url ECDSA P-256 / SHA-256
 * signature (IEEE P1363, r || s, what WebCrypto makes) of `ewt1.<payload>`.
 *
 * Signed, not HMACed, so that bridges can check a token with only the public
 * key (handed to them by their zone, AdmissionState in the zone protocol)
 * while the global plane is away, and no bridge can mint one. The Worker
 * signs (src/global/workload-tokens.ts); the bridge verifies
 * (src/xds-bridge/identity/admission.ts). D1 keeps only the token's SHA-256.
 */

export const WORKLOAD_TOKEN_PREFIX = "ewt1";
export const WORKLOAD_TOKEN_MIN_TTL_SECONDS = 60;
export const WORKLOAD_TOKEN_MAX_TTL_SECONDS = 365 * 24 * 3600;
export const WORKLOAD_TOKEN_DEFAULT_TTL_SECONDS = 30 * 24 * 3600;
/** Longer than any real token; bounds the work done on garbage. */
const MAX_TOKEN_CHARS = 2048;

export interface WorkloadTokenClaims {
  /** The token's id (revocation names it). */
  id: string;
  /** The signing key's id. */
  kid: string;
  mesh: string;
  service: string;
  /** When set, only a proxy of this zone is admitted with it. */
  zone?: string;
  /** Expiry, unix seconds. */
  exp: number;
}

/** Why a proxy was not admitted: a closed set, shown in logs and proxy status. */
export type AdmissionRefusal =
  | "token_missing"
  | "token_malformed"
  | "unknown_key"
  | "bad_signature"
  | "token_expired"
  | "token_revoked"
  | "wrong_mesh"
  | "wrong_service"
  | "wrong_zone";

export interface ParsedWorkloadToken {
  claims: WorkloadTokenClaims;
  /** The bytes the signature covers. */
  signed: Uint8Array;
  signature: Uint8Array;
}

export function base64urlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function base64urlDecode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (text.length % 4)) % 4);
  try {
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The payload part of a token for `claims` (what gets signed follows the prefix). */
export function signedPartOf(claims: WorkloadTokenClaims): string {
  const { id, kid, mesh, service, zone, exp } = claims;
  const payload = JSON.stringify(zone === undefined ? { id, kid, mesh, service, exp } : { id, kid, mesh, service, zone, exp });
  return `${WORKLOAD_TOKEN_PREFIX}.${base64urlEncode(new TextEncoder().encode(payload))}`;
}

/**
 * Signs `claims` with an ECDSA P-256 private key (WebCrypto, so the Worker
 * and tests sign the same way).
 *
 * @example const token = await signWorkloadToken(privateKey, { id, kid, mesh: "default", service: "echo", exp });
 */
export async function signWorkloadToken(key: Parameters<typeof crypto.subtle.sign>[1], claims: WorkloadTokenClaims): Promise<string> {
  const signed = signedPartOf(claims);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, new TextEncoder().encode(signed)));
  return `${signed}.${base64urlEncode(signature)}`;
}

/** Splits a token and reads its claims; undefined when it is not a workload token at all. */
export function parseWorkloadToken(token: string): ParsedWorkloadToken | undefined {
  if (token.length > MAX_TOKEN_CHARS) return undefined;
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== WORKLOAD_TOKEN_PREFIX) return undefined;
  const payload = base64urlDecode(parts[1]!);
  const signature = base64urlDecode(parts[2]!);
  if (!payload || !signature || signature.length !== 64) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return undefined;
  }
  const c = raw as Partial<Record<keyof WorkloadTokenClaims, unknown>>;
  const str = (v: unknown) => typeof v === "string" && v.length > 0 && v.length <= 253;
  if (!str(c.id) || !str(c.kid) || !str(c.mesh) || !str(c.service) || !Number.isSafeInteger(c.exp)) return undefined;
  if (c.zone !== undefined && !str(c.zone)) return undefined;
  const claims: WorkloadTokenClaims = {
    id: c.id as string,
    kid: c.kid as string,
    mesh: c.mesh as string,
    service: c.service as string,
    exp: c.exp as number,
    ...(c.zone !== undefined ? { zone: c.zone as string } : {}),
  };
  return { claims, signed: new TextEncoder().encode(`${parts[0]}.${parts[1]}`), signature };
}

/**
 * Whether verified claims admit a proxy of `zone` declaring `mesh`/`service`
 * at `nowMs`, given the revoked token ids. The signature is the caller's
 * check (it holds the keys); this is the rest of the rule, shared so both
 * sides read a token the same way.
 */
export function claimsRefusal(
  claims: WorkloadTokenClaims,
  want: { mesh: string; service: string; zone: string },
  revoked: ReadonlySet<string>,
  nowMs: number,
): AdmissionRefusal | undefined {
  if (revoked.has(claims.id)) return "token_revoked";
  if (claims.exp * 1000 <= nowMs) return "token_expired";
  if (claims.mesh !== want.mesh) return "wrong_mesh";
  if (claims.service !== want.service) return "wrong_service";
  if (claims.zone !== undefined && claims.zone !== want.zone) return "wrong_zone";
  return undefined;
}
