/**
 * Slows down guessing: every refused token from one client address adds a
 * delay before the next 401 it gets (100 ms doubling to 2 s), forgotten a
 * minute after its last failure. Kept in the isolate's memory: a guesser
 * spread over many isolates or locations is slowed less, which is why a
 * deployment behind Cloudflare should add a rate limiting rule on 401s
 * (README, "Access control"); this needs no binding and works in
 * `wrangler dev`.
 *
 * @example await penalty.failed(ip); throw unauthenticated;
 */
export class AuthPenalty {
  private readonly failures = new Map<string, { count: number; lastMs: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Records a failure from `client` and waits the penalty it has earned. Returns the delay in ms. */
  async failed(client: string): Promise<number> {
    const now = this.now();
    if (this.failures.size > 10_000) this.forgetOld(now);
    const prior = this.failures.get(client);
    const count = prior && now - prior.lastMs < FORGET_MS ? prior.count + 1 : 1;
    this.failures.set(client, { count, lastMs: now });
    const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (count - 1));
    await this.sleep(delay);
    return delay;
  }

  /** A good token from `client`: its record is cleared. */
  succeeded(client: string): void {
    this.failures.delete(client);
  }

  private forgetOld(now: number): void {
    for (const [k, v] of this.failures) if (now - v.lastMs >= FORGET_MS) this.failures.delete(k);
  }
}

const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;
const FORGET_MS = 60_000;
