import { describe, expect, it } from "vitest";
import { SotwSubscription } from "../../../../src/xds-bridge/xds/sotw-subscription.js";

describe("SotwSubscription", () => {
  it("treats an empty first request as wildcard for LDS/CDS only", () => {
    expect(SotwSubscription.fromRequest(undefined, [], true).wildcard).toBe(true);
    expect(SotwSubscription.fromRequest(undefined, [], false).wildcard).toBe(false);
    expect(SotwSubscription.fromRequest(undefined, [], false).names.size).toBe(0);
  });

  it("keeps a legacy wildcard on later empty lists, but an empty list after names means none", () => {
    const legacy = SotwSubscription.fromRequest(undefined, [], true);
    expect(SotwSubscription.fromRequest(legacy, [], true).wildcard).toBe(true);
    const named = SotwSubscription.fromRequest(legacy, ["a"], true);
    expect(named.wildcard).toBe(false);
    expect(SotwSubscription.fromRequest(named, [], true).wildcard).toBe(false);
  });

  it("understands an explicit '*' next to names, and compares content", () => {
    const s = SotwSubscription.of(["*", "a"]);
    expect(s.wildcard).toBe(true);
    expect([...s.names]).toEqual(["a"]);
    expect(SotwSubscription.of(["b", "a"]).equals(SotwSubscription.of(["a", "b"]))).toBe(true);
    expect(SotwSubscription.of(["a"]).equals(SotwSubscription.of(["a", "b"]))).toBe(false);
    expect(SotwSubscription.fromRequest(undefined, [], true).equals(SotwSubscription.of(["*"]))).toBe(true);
  });
});
