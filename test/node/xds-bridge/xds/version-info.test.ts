/**
 * version_info has one owner (src/xds-bridge/xds/version-info.ts): what the
 * bridge builds, the tracker compares and the zone client reads back from a
 * proxy's echo.
 */
import { describe, expect, it } from "vitest";
import { buildVersionInfo, compareVersionInfo, journalRevisionOf, parseVersionInfo } from "../../../../src/xds-bridge/xds/version-info.js";

describe("version_info", () => {
  it("parses back exactly what it builds", () => {
    for (const v of [
      { revision: 0, endpoints: 0, discovery: 0 },
      { revision: 12, endpoints: 3, discovery: 1 },
      { revision: 987_654_321, endpoints: 40_000, discovery: 7 },
    ]) {
      const text = buildVersionInfo(v);
      expect(parseVersionInfo(text)).toEqual(v);
    }
    expect(buildVersionInfo({ revision: 12, endpoints: 3, discovery: 1 })).toBe("12.3.1");
  });

  it("orders versions part by part, numerically", () => {
    expect(compareVersionInfo("10.0.0", "9.5.5")).toBeGreaterThan(0);
    expect(compareVersionInfo("3.2.10", "3.2.9")).toBeGreaterThan(0);
    expect(compareVersionInfo("3.2", "3.2.0")).toBe(0);
  });

  it("orders by revision first, then endpoint version, then discovery count", () => {
    const v = (revision: number, endpoints: number, discovery: number) => buildVersionInfo({ revision, endpoints, discovery });
    expect(compareVersionInfo(v(5, 0, 0), v(4, 9, 9))).toBeGreaterThan(0);
    expect(compareVersionInfo(v(4, 9, 9), v(5, 0, 0))).toBeLessThan(0);
    expect(compareVersionInfo(v(5, 2, 0), v(5, 1, 9))).toBeGreaterThan(0);
    expect(compareVersionInfo(v(5, 1, 9), v(5, 2, 0))).toBeLessThan(0);
    expect(compareVersionInfo(v(5, 2, 3), v(5, 2, 2))).toBeGreaterThan(0);
    expect(compareVersionInfo(v(5, 2, 2), v(5, 2, 3))).toBeLessThan(0);
    expect(compareVersionInfo(v(5, 2, 3), v(5, 2, 3))).toBe(0);
    const shuffled = [v(2, 0, 1), v(10, 0, 0), v(2, 1, 0), v(2, 0, 0), v(9, 9, 9)];
    expect(shuffled.sort(compareVersionInfo)).toEqual(["2.0.0", "2.0.1", "2.1.0", "9.9.9", "10.0.0"]);
  });

  it("reads the shorter forms earlier bridges sent, missing parts being 0", () => {
    expect(parseVersionInfo("12")).toEqual({ revision: 12, endpoints: 0, discovery: 0 });
    expect(parseVersionInfo("12.3")).toEqual({ revision: 12, endpoints: 3, discovery: 0 });
    expect(compareVersionInfo("12.3", "12.2.9")).toBeGreaterThan(0);
  });

  it('takes "" (a proxy that accepted nothing yet) as no version, before every real one', () => {
    expect(parseVersionInfo("")).toBeUndefined();
    expect(journalRevisionOf("")).toBe(0);
    expect(compareVersionInfo("", "0.0.1")).toBeLessThan(0);
    expect(compareVersionInfo("1.0.0", "")).toBeGreaterThan(0);
    expect(compareVersionInfo("", "")).toBe(0);
  });

  it("takes garbage echoed by a misbehaving proxy as no version, never throwing", () => {
    const garbage = ["v12", "12.3.1.4", "1..2", ".1", "1.", "-3.0.0", "1.5e3", " 12", "12 ", "0x1f", "NaN", "Infinity", "12.3.x", "١٢", "99999999999999999999"];
    for (const g of garbage) {
      expect(parseVersionInfo(g), g).toBeUndefined();
      expect(journalRevisionOf(g), g).toBe(0);
      expect(compareVersionInfo(g, "0.0.0"), g).toBeLessThan(0);
      expect(compareVersionInfo("0.0.0", g), g).toBeGreaterThan(0);
      expect(compareVersionInfo(g, "also garbage"), g).toBe(0);
    }
  });

  it("gives the zone the journal revision of a real version_info", () => {
    expect(journalRevisionOf("12.3.1")).toBe(12);
    expect(journalRevisionOf("7")).toBe(7);
  });
});
