import type { Kind } from "../contract/resource-types.js";
import type { ProxyRollout, ResourceStatus } from "../contract/rollout.js";
import { ApiRequestError, CliError } from "./errors.js";
import type { ApiClient } from "./http-client.js";
import { resourcePath } from "./kinds.js";
import { subscribeResourceEvents } from "./resource-events.js";

/** A resource the CLI wrote, at the revision it wrote. */
export interface WaitTarget {
  kind: Kind;
  mesh: string;
  name: string;
  revision: number;
}

export type WaitOutcome =
  | { target: WaitTarget; result: "acked"; status: ResourceStatus }
  | { target: WaitTarget; result: "nacked"; status: ResourceStatus; nacks: ProxyRollout[] }
  | { target: WaitTarget; result: "timeout"; status: ResourceStatus | undefined }
  | { target: WaitTarget; result: "cancelled"; status: ResourceStatus | undefined };

export interface WaitOptions {
  timeoutMs: number;
  /** How often to read the status without an event stream; 100 ms. */
  pollMs?: number;
  /** How often to read it anyway while events arrive, in case one is lost; 1 s. */
  pollWithEventsMs?: number;
  /** Follow GET /v1/events to look again as soon as something happens; true. */
  useEvents?: boolean;
  now?: () => number;
}

/**
 * Waits until every proxy concerned by every target ACKed it, a proxy NACKs
 * a revision at or after the written one, or the time is up. The status
 * route (`GET .../{name}/status`, `done`) is the only judge: events only
 * make the next look come sooner, so a missing or broken event stream costs
 * latency, never correctness. The first NACK stops the other waits.
 *
 * @example
 * const outcomes = await waitForAcks(client, [{ kind: "HTTPRoute", mesh: "default", name: "split", revision: 15 }], { timeoutMs: 60_000 });
 * outcomes.every((o) => o.result === "acked")
 */
export async function waitForAcks(client: ApiClient, targets: readonly WaitTarget[], opts: WaitOptions): Promise<WaitOutcome[]> {
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  const stop = new AbortController();
  try {
    return await Promise.all(
      targets.map(async (target) => {
        const outcome = await waitOne(client, target, deadline, stop.signal, opts, now);
        if (outcome.result === "nacked") stop.abort();
        return outcome;
      }),
    );
  } finally {
    stop.abort();
  }
}

async function waitOne(client: ApiClient, target: WaitTarget, deadline: number, stop: AbortSignal, opts: WaitOptions, now: () => number): Promise<WaitOutcome> {
  const waker = new Waker(stop);
  const events = new AbortController();
  const onStop = () => events.abort();
  stop.addEventListener("abort", onStop);
  let streaming = false;
  if (opts.useEvents ?? true) {
    const sub = subscribeResourceEvents(client, target, () => waker.poke(), events.signal);
    void sub.opened.then((ok) => (streaming = ok));
    void sub.closed.then(() => (streaming = false));
  }
  const path = `${resourcePath(target.kind, target.mesh, target.name)}/status`;
  let status: ResourceStatus | undefined;
  try {
    for (;;) {
      if (stop.aborted) return { target, result: "cancelled", status };
      status = (await readStatus(client, path, stop)) ?? status;
      if (status && status.revision >= target.revision) {
        // The API marks a proxy NACK only for a NACK at or past the latest revision, which is at or past ours.
        const nacks = status.proxies.filter((p) => p.state === "NACK");
        if (nacks.length > 0) return { target, result: "nacked", status, nacks };
        if (status.done) return { target, result: "acked", status };
      }
      const left = deadline - now();
      if (left <= 0) return { target, result: "timeout", status };
      const interval = streaming ? (opts.pollWithEventsMs ?? 1000) : (opts.pollMs ?? 100);
      await waker.sleep(Math.min(interval, left));
    }
  } finally {
    stop.removeEventListener("abort", onStop);
    events.abort();
  }
}

/**
 * One status read. A server error or a dropped connection is retried at the
 * next look (undefined); a 4xx is the caller's mistake or a missing route and
 * ends the wait.
 */
async function readStatus(client: ApiClient, path: string, stop: AbortSignal): Promise<ResourceStatus | undefined> {
  try {
    return await client.request<ResourceStatus>("GET", path, { signal: stop });
  } catch (err) {
    if (stop.aborted) return undefined;
    if (err instanceof ApiRequestError && err.status >= 500) return undefined;
    if (err instanceof CliError) return undefined;
    throw err;
  }
}

/** A sleep that an event can cut short; a poke while awake makes the next sleep return at once. */
class Waker {
  private wake: (() => void) | undefined;
  private poked = false;

  constructor(private readonly stop: AbortSignal) {}

  poke(): void {
    if (this.wake) this.wake();
    else this.poked = true;
  }

  async sleep(ms: number): Promise<void> {
    if (this.poked || this.stop.aborted) {
      this.poked = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stop.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stop.addEventListener("abort", done);
      this.wake = done;
    });
  }
}

/**
 * Milliseconds from the write to the last ACK, as the control plane measured
 * them; undefined when no proxy ACKed or the API gave no timings.
 *
 * @example writeToLastAckMs(status) // 23
 */
export function writeToLastAckMs(status: ResourceStatus): number | undefined {
  // A proxy that joined after the write waited for its connection, not for the change.
  const acked = status.proxies.filter((p) => p.state === "ACK" && !p.joinedAfterWrite);
  if (acked.length === 0) return undefined;
  const written = Date.parse(status.writtenAt);
  const each = acked.map((p) => p.writeToAckMs ?? (p.ackedAtMs !== undefined && !Number.isNaN(written) ? p.ackedAtMs - written : undefined));
  if (each.some((ms) => ms === undefined)) return undefined;
  return Math.max(...(each as number[]));
}

/**
 * What still holds a timed-out wait up: proxies not at ACK of the target
 * revision, zones that did not apply it.
 *
 * @example pendingLines(outcome) // ["proxy c1 (zone default, connected): PENDING at revision 14"]
 */
export function pendingLines(target: WaitTarget, status: ResourceStatus | undefined): string[] {
  if (!status) return ["the status of the resource could not be read"];
  const zones = status.zones
    .filter((z) => !z.applied)
    .map((z) => `zone ${z.zone}: applied revision ${z.appliedRevision}, not yet ${target.revision}`);
  const proxies = status.proxies
    .filter((p) => p.state !== "ACK" || p.revision < target.revision)
    .map((p) => `proxy ${p.proxyId} (zone ${p.zone}, ${p.connected ? "connected" : "disconnected"}): ${p.state} at revision ${p.revision}`);
  const lines = [...zones, ...proxies];
  return lines.length > 0 ? lines : [`the control plane does not report revision ${target.revision} as done yet`];
}
