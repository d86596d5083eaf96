import { describe, expect, it } from "vitest";
import { bestSample, clockSample } from "../../../src/contract/clock-offset.js";

describe("clock offsets from one exchange", () => {
  it("finds B's offset from symmetric delays exactly, and the wire round trip without B's own time", () => {
    // B runs 1,000 ms ahead; 5 ms each way; B takes 2 ms to answer.
    expect(clockSample({ sentMs: 100, receivedMs: 1105, answeredMs: 1107, returnedMs: 112 })).toEqual({ offsetMs: 1000, rttMs: 10 });
  });

  it("is off by at most half the round trip when the delays differ", () => {
    // 1 ms there, 9 ms back; B 50 ms behind.
    const s = clockSample({ sentMs: 1000, receivedMs: 951, answeredMs: 951, returnedMs: 1010 });
    expect(s.rttMs).toBe(10);
    expect(Math.abs(s.offsetMs - -50)).toBeLessThanOrEqual(s.rttMs / 2);
    expect(s.offsetMs).toBe(-54);
  });

  it("keeps the sample with the least round trip", () => {
    expect(bestSample([{ offsetMs: 3, rttMs: 9 }, { offsetMs: 1, rttMs: 2 }, { offsetMs: 7, rttMs: 4 }])).toEqual({ offsetMs: 1, rttMs: 2 });
    expect(bestSample([])).toBeUndefined();
  });
});
