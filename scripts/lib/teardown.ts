/**
 * What a harness has started, stopped newest first. Each step runs even when
 * an earlier one failed, so a failing stop never leaves the rest running; the
 * failures are thrown together at the end.
 *
 * @example
 *   const started = new Teardown();
 *   try {
 *     const wrangler = started.add(await startWrangler(opts), (w) => w.stop());
 *     const bridge = started.add(await startBridge({ controlPlane: wrangler.url, ... }), (b) => b.stop());
 *   } catch (err) {
 *     await started.run(); // stops whatever came up before the failure
 *     throw err;
 *   }
 */
export class Teardown {
  private readonly steps: (() => unknown)[] = [];

  /** Registers how to stop `value`, and returns it. */
  add<T>(value: T, stop: (value: T) => unknown): T {
    this.steps.push(() => stop(value));
    return value;
  }

  /** Registers a step that decides at teardown what to stop (e.g. a bridge that may have been replaced). */
  defer(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every registered step, newest first, once. */
  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} teardown steps failed`);
  }

  /**
   * Runs `start` with this teardown; if it throws, stops what it had started
   * and rethrows its error.
   *
   * @example const mesh = await new Teardown().starting(async (t) => ({ wrangler: t.add(await startWrangler(o), (w) => w.stop()) }));
   */
  async starting<T>(start: (teardown: this) => Promise<T>): Promise<T> {
    try {
      return await start(this);
    } catch (err) {
      // The start error is the one to throw; a stop failing after it is only reported.
      await this.run().catch((stopErr: unknown) => process.stderr.write(`stopping after a failed start: ${String(stopErr)}\n`));
      throw err;
    }
  }
}
