import type { TraceReportInit } from "./revision-tracer.js";
import type { ProxyTracker, TrackerChanges } from "./xds/proxy-tracker.js";

/**
 * Sends the proxies' ACK/NACK changes to the zone every `everyMs`, and once
 * more when stopped, so nothing a proxy answered before a shutdown is lost;
 * on the same beat, the latest update's trace when it moved (`trace`).
 * An interval with nothing new sends nothing.
 *
 * @example
 * const reporter = new StatusReporter(tracker, (changes) => zone.report(changes), 50);
 * reporter.start(); ... reporter.stop();
 */
export class StatusReporter {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tracker: Pick<ProxyTracker, "drainChanges">,
    /** `final` on the report made when stopping. */
    private readonly send: (changes: TrackerChanges, final: boolean) => void,
    private readonly everyMs: number,
    private readonly trace?: { drain(): TraceReportInit | undefined; send(report: TraceReportInit): void },
    /** Answers the sender holds back (current-planner.ts): it is called on each beat while there are. */
    private readonly holding: () => boolean = () => false,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.report(), this.everyMs);
  }

  /** Stops the interval and reports what changed since the last report. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.report(true);
  }

  private report(final = false): void {
    const changes = this.tracker.drainChanges();
    if (changes.statuses.length > 0 || changes.disconnected.length > 0 || this.holding()) this.send(changes, final);
    const report = this.trace?.drain();
    if (report) this.trace!.send(report);
  }
}
