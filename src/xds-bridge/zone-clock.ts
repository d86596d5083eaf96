import { bestSample, clockSample, type ClockSample } from "../contract/clock-offset.js";

/** Samples kept: the best of the last few follows drift without trusting one slow exchange. */
const KEEP = 8;

/**
 * The zone's clock as this bridge sees it: ClockProbe / ClockEcho exchanges
 * on the zone WebSocket (the bridge's send and receive times around the
 * zone's one timestamp), of which the sample with the least round trip is
 * used (src/contract/clock-offset.ts). `now` is the bridge's clock, the one
 * its trace timestamps use.
 *
 * @example
 * const clock = new ZoneClock(wallMs);
 * send({ case: "clockProbe", value: { bridgeSentMs: clock.now() } });
 * clock.echoed(echo.bridgeSentMs, echo.zoneMs); clock.best // { offsetMs, rttMs }
 */
export class ZoneClock {
  private readonly samples: ClockSample[] = [];

  constructor(readonly now: () => number) {}

  /** The zone answered a probe sent at `bridgeSentMs` with its clock at `zoneMs`. */
  echoed(bridgeSentMs: number, zoneMs: number): void {
    this.samples.push(clockSample({ sentMs: bridgeSentMs, receivedMs: zoneMs, answeredMs: zoneMs, returnedMs: this.now() }));
    if (this.samples.length > KEEP) this.samples.shift();
  }

  /** Zone clock minus bridge clock, and that sample's round trip; undefined before the first echo. */
  get best(): ClockSample | undefined {
    return bestSample(this.samples);
  }

  /** After a reconnect the path may differ: start over. */
  reset(): void {
    this.samples.length = 0;
  }
}

/** The bridge's wall clock with sub-millisecond resolution (unix ms). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
