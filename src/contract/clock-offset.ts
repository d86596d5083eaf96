/**
 * Clock offsets between two processes, measured on the link between them
 * (NTP's on-wire calculation), so timestamps taken by different processes
 * can be compared without assuming their clocks agree.
 *
 * A exchange: A sends at `sentMs` (A's clock), B reads it at `receivedMs`
 * and answers at `answeredMs` (B's clock), A reads the answer at
 * `returnedMs` (A's clock). Then
 *
 *   offset (B - A) = ((receivedMs - sentMs) + (answeredMs - returnedMs)) / 2
 *   round trip     = (returnedMs - sentMs) - (answeredMs - receivedMs)
 *
 * and the true offset is within +- round trip / 2 of the estimate (exact
 * when both directions take as long). Where B answers at once
 * (`answeredMs === receivedMs`, the zone's ClockEcho) this is the familiar
 * ((t1 - t0) + (t1 - t3)) / 2.
 */
export interface ClockSample {
  /** B's clock minus A's, ms. Add it to an A timestamp to read it on B's clock. */
  offsetMs: number;
  /** Time on the wire, both ways, ms; the estimate is good to +- half of it. */
  rttMs: number;
}

/**
 * One exchange's estimate.
 *
 * @example clockSample({ sentMs: 100, receivedMs: 1105, answeredMs: 1105, returnedMs: 110 }) // { offsetMs: 1000, rttMs: 10 }
 */
export function clockSample(t: { sentMs: number; receivedMs: number; answeredMs: number; returnedMs: number }): ClockSample {
  return {
    offsetMs: (t.receivedMs - t.sentMs + (t.answeredMs - t.returnedMs)) / 2,
    rttMs: Math.max(0, t.returnedMs - t.sentMs - (t.answeredMs - t.receivedMs)),
  };
}

/**
 * Of several samples, the one with the least round trip: its error bound is
 * the tightest (NTP's clock filter keeps the same one).
 *
 * @example bestSample([{ offsetMs: 3, rttMs: 9 }, { offsetMs: 1, rttMs: 2 }]) // { offsetMs: 1, rttMs: 2 }
 */
export function bestSample(samples: readonly ClockSample[]): ClockSample | undefined {
  let best: ClockSample | undefined;
  for (const s of samples) if (!best || s.rttMs < best.rttMs) best = s;
  return best;
}
