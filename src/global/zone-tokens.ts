/**
 * Zone tokens: what a bridge presents in its Hello to prove it may serve a
 * zone. A token is `ept1.<payload>.<signature>`, where payload is the
 * base64url JSON `{id, zone, exp}` (exp in unix seconds) and signature the
 * base64url HMAC-SHA256 of `ept1.<payload>` under the Worker secret
 * ZONE_TOKEN_SECRET. The zone checks it without a database round trip;
 * D1 keeps only the token's SHA-256 (for revocation and listing), so a
 * leaked table grants nothing.
 *
 * Worker-side only (the bridge treats the token as an opaque string); the
 * zone Durable Object imports this one file to verify.
 */

export const TOKEN_PREFIX = "ept1";
export const DEFAULT_TTL_SECONDS = 30 * 24 * 3600;
export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 365 * 24 * 3600;
/** Longer than any real token; bounds the work done on garbage. */
const MAX_TOKEN_CHARS = 1024;
const SIGNATURE_BYTES = 32;

export interface ZoneTokenClaims {
  id: string;
  zone: string;
  /** Expiry, unix seconds. */
  exp: number;
}

export type TokenReading =
  | { ok: true; claims: ZoneTokenClaims }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

/**
 * Signs claims into a token. The API issues tokens through `issueZoneToken`;
 * tests call this directly to build tokens the API would refuse to issue
 * (an expiry in the past).
 *
 * @example const token = await signZoneToken(env.ZONE_TOKEN_SECRET, { id: "t1", zone: "west", exp: 1_900_000_000 });
 */
export async function signZoneToken(secret: string, claims: ZoneTokenClaims): Promise<string> {
  const payload = base64url(new TextEncoder().encode(JSON.stringify({ id: claims.id, zone: claims.zone, exp: claims.exp })));
  const signed = `${TOKEN_PREFIX}.${payload}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(signed));
  return `${signed}.${base64url(new Uint8Array(signature))}`;
}

/**
 * A new token for `zone`, valid `ttlSeconds` from `nowMs`, with a fresh id.
 *
 * @example const { claims, token } = await issueZoneToken(secret, "west", 3600, Date.now());
 */
export async function issueZoneToken(
  secret: string,
  zone: string,
  ttlSeconds: number,
  nowMs: number,
): Promise<{ claims: ZoneTokenClaims; token: string }> {
  const claims = { id: crypto.randomUUID(), zone, exp: Math.floor(nowMs / 1000) + ttlSeconds };
  return { claims, token: await signZoneToken(secret, claims) };
}

/**
 * Checks a token's form, signature (crypto.subtle.verify compares in
 * constant time) and expiry. Which zone it is for, and whether it was
 * revoked, are the caller's questions.
 *
 * @example
 * const r = await readZoneToken(secret, hello.token, Date.now());
 * if (r.ok && r.claims.zone === "west") ...
 */
export async function readZoneToken(secret: string, token: string, nowMs: number): Promise<TokenReading> {
  const parts = token.length <= MAX_TOKEN_CHARS ? token.split(".") : [];
  const [prefix, payload, signature] = parts;
  if (parts.length !== 3 || prefix !== TOKEN_PREFIX || payload === undefined || signature === undefined) return { ok: false, reason: "malformed" };
  const payloadBytes = fromBase64url(payload);
  const signatureBytes = fromBase64url(signature);
  if (!payloadBytes || signatureBytes?.byteLength !== SIGNATURE_BYTES) return { ok: false, reason: "malformed" };

  // The signature is checked before the payload is interpreted: nothing unauthenticated is trusted.
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), signatureBytes, new TextEncoder().encode(`${prefix}.${payload}`));
  if (!valid) return { ok: false, reason: "bad_signature" };
  const claims = parseClaims(payloadBytes);
  if (!claims) return { ok: false, reason: "malformed" };
  if (claims.exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}

/**
 * The hex SHA-256 of a token: the only form in which D1 keeps it.
 *
 * @example await hashZoneToken("ept1.eyJ...") // "9f86d08188..."
 */
export async function hashZoneToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function parseClaims(bytes: Uint8Array): ZoneTokenClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { id, zone, exp } = value as Record<string, unknown>;
  if (typeof id !== "string" || id === "" || typeof zone !== "string" || typeof exp !== "number" || !Number.isSafeInteger(exp)) return undefined;
  return { id, zone, exp };
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
    // One token, one spelling: the D1 hash must match the token as issued.
    return base64url(bytes) === text ? bytes : undefined;
  } catch {
    return undefined;
  }
}
