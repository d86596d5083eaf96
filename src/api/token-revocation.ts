/**
 * Whether a request's API token was revoked, asked once per request, by
 * whichever comes first: the write's own D1 batch, which carries "this
 * token is not revoked" as one of its conditions (so the common PUT makes
 * no lookup of its own, and the check holds at the very moment of the
 * write), or a lookup of the token's row.
 *
 * Only a route whose handler hands the condition to its batch defers the
 * check (access.ts); before anything else could be written (the reading
 * path) or answered (an error, a refused batch), it is looked up, so a
 * revoked token still never writes and is answered 401 as before.
 *
 * @example if (await revocation.revoked()) refuse();
 */
export class TokenRevocation {
  private state: "unknown" | "valid" | "revoked" = "unknown";

  constructor(
    /** The token's id (`jti`), as the api_tokens row names it. */
    readonly tokenId: string,
    /** Reads the row: whether it records a revocation. */
    private readonly lookup: () => Promise<boolean>,
  ) {}

  /** The token id for a batch's condition, while no answer is known (after that the batch needs none). */
  pendingId(): string | undefined {
    return this.state === "unknown" ? this.tokenId : undefined;
  }

  /** A batch that carried the condition committed or found its document unchanged: the token was not revoked then. */
  heldInBatch(): void {
    if (this.state === "unknown") this.state = "valid";
  }

  /** Whether the token is revoked, looked up unless already known. */
  async revoked(): Promise<boolean> {
    if (this.state === "unknown") this.state = (await this.lookup()) ? "revoked" : "valid";
    return this.state === "revoked";
  }
}
