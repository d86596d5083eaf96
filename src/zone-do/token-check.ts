import type { Env } from "../env.js";
import { hashZoneToken, readZoneToken } from "../global/zone-tokens.js";
import type { ZoneTokenStore } from "../store/zone-token-store.js";
import { TokenMemory } from "./token-memory.js";
import { tokenRefusal, type TokenRefusal } from "./token-refusal.js";

export interface TokenCheckInput {
  /** The zone this object serves. */
  zone: string;
  /** The token of the bridge's Hello; "" when it sent none. */
  token: string;
  env: Pick<Env, "ZONE_TOKEN_SECRET" | "REQUIRE_ZONE_TOKENS">;
  /** D1's record of issued tokens; a throw means D1 is unreachable. */
  records: Pick<ZoneTokenStore, "find">;
  /** The zone's own SQLite storage (what it remembers of tokens). */
  sql: SqlStorage;
  nowMs: number;
}

/** `tokenId` is undefined only when tokens are not required and none was sent. */
export type TokenVerdict = { ok: true; tokenId: string | undefined } | { ok: false; refused: TokenRefusal };

/**
 * Decides whether a bridge's Hello token admits it to this zone: form,
 * signature and expiry from the token alone, its zone against this one, then
 * revocation from D1.
 *
 * Zone autonomy: when D1 cannot be reached, a token that is valid on its own
 * and that this zone accepted before (with D1's confirmation) is accepted
 * again, and one this zone saw revoked is refused; a token the zone never
 * saw is refused as `token_unverifiable` until D1 answers, since it may have
 * been revoked before the zone heard of it.
 *
 * @example
 * const verdict = await checkZoneToken({ zone, token: hello.token, env, records: new ZoneTokenStore(env.DB), sql, nowMs: Date.now() });
 * if (!verdict.ok) send({ case: "refused", value: verdict.refused });
 */
export async function checkZoneToken(input: TokenCheckInput): Promise<TokenVerdict> {
  const { zone, token, nowMs } = input;
  const refuse = (code: Parameters<typeof tokenRefusal>[0], detail?: string): TokenVerdict => ({
    ok: false,
    refused: tokenRefusal(code, zone, detail),
  });
  // A token sent while none is required is still checked: it may be revoked.
  if (token === "") return input.env.REQUIRE_ZONE_TOKENS === "false" ? { ok: true, tokenId: undefined } : refuse("token_missing");
  const secret = input.env.ZONE_TOKEN_SECRET;
  if (!secret) return refuse("zone_misconfigured");

  const reading = await readZoneToken(secret, token, nowMs);
  if (!reading.ok) return refuse(`token_${reading.reason}`);
  const { id, exp } = reading.claims;
  if (reading.claims.zone !== zone) return refuse("token_wrong_zone", reading.claims.zone);

  const memory = new TokenMemory(input.sql);
  if (memory.state(id) === "revoked") return refuse("token_revoked");
  let record;
  try {
    record = await input.records.find(id);
  } catch (err) {
    if (memory.state(id) !== "accepted") return refuse("token_unverifiable");
    console.warn(`zone ${zone}: D1 unreachable, token ${id} accepted from the zone's memory: ${String(err)}`);
    return { ok: true, tokenId: id };
  }
  if (record?.revokedAt) {
    memory.remember(id, "revoked", exp * 1000, nowMs);
    return refuse("token_revoked");
  }
  // A signed token with no matching row was never issued by this deployment's D1 (or the row is gone).
  if (!record || record.zone !== zone || record.tokenHash !== (await hashZoneToken(token))) return refuse("token_revoked");
  memory.remember(id, "accepted", exp * 1000, nowMs);
  // revokeToken may have run while D1 answered; the memory keeps a revocation over an acceptance.
  if (memory.state(id) === "revoked") return refuse("token_revoked");
  return { ok: true, tokenId: id };
}
