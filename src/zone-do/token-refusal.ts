/** Why a zone refuses a bridge's token. Each code tells the operator one thing to do. */
export type TokenRefusalCode =
  | "token_missing"
  | "token_malformed"
  | "token_bad_signature"
  | "token_expired"
  | "token_wrong_zone"
  | "token_revoked"
  | "token_unverifiable"
  | "zone_misconfigured";

export interface TokenRefusal {
  code: TokenRefusalCode;
  message: string;
  retryAfterMs: bigint;
}

/**
 * The bridge waits this long before its next attempt. None of these causes
 * fixes itself within seconds (a person must issue a token or fix a file),
 * so a shorter wait would only load the zone.
 */
export const TOKEN_RETRY_AFTER_MS = 30_000n;

/**
 * The Refused message for a token problem, saying what to do about it.
 *
 * @example this.send(ws, { case: "refused", value: tokenRefusal("token_revoked", "west") });
 */
export function tokenRefusal(code: TokenRefusalCode, zone: string, detail = ""): TokenRefusal {
  const issue = `issue a new token with POST /v1/zones/${zone}/tokens and give it to the bridge with --token-file`;
  const messages: Record<TokenRefusalCode, string> = {
    token_missing: `zone "${zone}" requires a zone token: ${issue}`,
    token_malformed: `the token is not a zone token (ept1.<payload>.<signature>); check the token file, or ${issue}`,
    token_bad_signature: `the token's signature does not verify (issued by another deployment, or ZONE_TOKEN_SECRET changed): ${issue}`,
    token_expired: `the token expired${detail ? ` at ${detail}` : ""}: ${issue}`,
    token_wrong_zone: `the token is for zone "${detail}", this is zone "${zone}": ${issue}`,
    token_revoked: `the token was revoked or is not on record: ${issue}`,
    token_unverifiable: `zone "${zone}" cannot reach its database to check this token and has not accepted it before; it will be checked on the next attempt (a token this zone accepted before works meanwhile)`,
    zone_misconfigured: "the control plane has no ZONE_TOKEN_SECRET: set it with `wrangler secret put ZONE_TOKEN_SECRET`",
  };
  return { code, message: messages[code], retryAfterMs: TOKEN_RETRY_AFTER_MS };
}
