import type { MiddlewareHandler } from "hono";
import type { ApiContext, AppEnv } from "./app-env.js";

/**
 * Where a request spent its time, per phase, sent back as a `Server-Timing`
 * header (`auth;dur=0.4, body;dur=0.2, d1;dur=3.1, total;dur=4.0`), so a
 * slow answer can be taken apart from the outside (browser devtools show it;
 * bench/write-rate.ts reads it). Durations are in ms from
 * `performance.now()`; on Workers that clock only advances across I/O, so a
 * phase that is pure CPU reads 0 there and its time shows only in `total`
 * against the client's own clock.
 */
export class ServerTiming {
  private readonly phases = new Map<string, number>();

  /** Runs `work`, adding its duration to phase `name`. */
  async measure<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.add(name, performance.now() - start);
    }
  }

  add(name: string, ms: number): void {
    this.phases.set(name, (this.phases.get(name) ?? 0) + ms);
  }

  header(): string {
    return [...this.phases].map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(", ");
  }
}

/**
 * Gives every request a ServerTiming and writes its header on the answer,
 * with `total` for the whole app.
 *
 * @example app.use("*", serverTiming);
 */
export const serverTiming: MiddlewareHandler<AppEnv> = async (c, next) => {
  const timing = new ServerTiming();
  c.set("timing", timing);
  const start = performance.now();
  await next();
  timing.add("total", performance.now() - start);
  try {
    c.res.headers.set("Server-Timing", timing.header());
  } catch {
    // A response passed through from elsewhere (a Durable Object's) may have immutable headers: it goes out without the header.
  }
};

/** The request's ServerTiming (a fresh, unreported one outside the middleware, e.g. in app.request tests without it). */
export function timingOf(c: ApiContext): ServerTiming {
  return c.get("timing") ?? new ServerTiming();
}
