export type TokenMemoryState = "accepted" | "revoked";

/**
 * What this zone learned about zone tokens, in its own SQLite storage: the
 * ids it accepted after D1 confirmed them, and the ids it saw revoked. It is
 * what lets the zone decide while D1 is unreachable (token-check.ts): a
 * token accepted before is accepted again, one seen revoked never is. A
 * revocation is never replaced by an acceptance. Rows are dropped once the
 * token has expired, since expiry alone refuses it then.
 *
 * @example
 * const memory = new TokenMemory(ctx.storage.sql);
 * memory.remember(id, "revoked", expMs, Date.now());
 */
export class TokenMemory {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS zone_tokens_seen (
      id TEXT PRIMARY KEY, state TEXT NOT NULL, until_ms INTEGER NOT NULL, at_ms INTEGER NOT NULL)`);
  }

  state(id: string): TokenMemoryState | undefined {
    return this.sql.exec<{ state: TokenMemoryState }>("SELECT state FROM zone_tokens_seen WHERE id = ?", id).toArray()[0]?.state;
  }

  /** `untilMs`: when the token expires; the row is useless after that. */
  remember(id: string, state: TokenMemoryState, untilMs: number, nowMs: number): void {
    this.sql.exec("DELETE FROM zone_tokens_seen WHERE until_ms < ?", nowMs);
    this.sql.exec(
      `INSERT INTO zone_tokens_seen (id, state, until_ms, at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET
         state = CASE WHEN zone_tokens_seen.state = 'revoked' THEN 'revoked' ELSE excluded.state END,
         until_ms = max(zone_tokens_seen.until_ms, excluded.until_ms), at_ms = excluded.at_ms`,
      id, state, untilMs, nowMs,
    );
  }
}
