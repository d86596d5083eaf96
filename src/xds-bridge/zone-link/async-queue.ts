/**
 * An unbounded queue read as an async iterable: the zone link's outgoing
 * messages (written by the client, read by the Connect call) and its
 * incoming frames (written by the socket, read by Connect's envelope parser).
 * A failure ends the reading with that error, after what was queued.
 *
 * @example const q = new AsyncQueue<number>(); q.push(1); q.close(); for await (const n of q) ...
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: (() => void) | undefined;
  private done = false;
  private failure: { error: unknown } | undefined;

  /** False once closed or failed: nothing more is read. */
  get open(): boolean {
    return !this.done;
  }

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.wake();
  }

  close(): void {
    this.done = true;
    this.wake();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.failure = { error };
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.done) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}
