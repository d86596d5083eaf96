/**
 * The per-hop trace's waterfall geometry (src/ui/trace-layout.js.txt), run
 * in Node as the browser runs it: the served text is copied to a .mjs file
 * and imported, so what is tested is byte for byte what the Worker serves.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RevisionTrace } from "../../../src/contract/revision-trace.js";

interface Geometry { width: number; label: number; valueRoom: number; row: number; bar: number; axis: number; charWidth: number }
interface HopRow { type: "hop"; owner: "zone" | "bridge"; hop: string; ms: number | null; text: string; y: number; x?: number; w?: number; barY?: number; barH?: number }
type Row = HopRow | { type: "group" | "note"; text: string; y: number };
interface Layout { width: number; height: number; endMs: number; axisY: number; plotX: number; ticks: { x: number; text: string }[]; rows: Row[] }
/** What the browser module exports (it is plain JavaScript, so its types are stated here). */
interface TraceLayoutModule {
  GEOMETRY: Geometry;
  traceLayout(trace: RevisionTrace, geometry?: Geometry): Layout;
  traceComplete(trace: RevisionTrace): boolean;
  traceSummary(trace: RevisionTrace): string;
}

const SOURCE = resolve(import.meta.dirname, "..", "..", "..", "src", "ui", "trace-layout.js.txt");
const scratch = mkdtempSync(join(tmpdir(), "edgeplane-trace-layout-"));
let mod: TraceLayoutModule;
beforeAll(async () => {
  const copy = join(scratch, "trace-layout.mjs");
  writeFileSync(copy, readFileSync(SOURCE, "utf8"));
  mod = (await import(pathToFileURL(copy).href)) as TraceLayoutModule;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const zoneHops = (notified: number | null, applied: number, sent: number, committed: number | null = 0) => [
  { hop: "committed", ms: committed },
  { hop: "zone notified", ms: notified },
  { hop: "zone applied", ms: applied },
  { hop: "frame sent", ms: sent },
];
const bridgeHops = (received: number, acked: number | null) => [
  { hop: "bridge received", ms: received },
  { hop: "translated", ms: received + 1 },
  { hop: "snapshot published", ms: received + 1 },
  { hop: "first proxy pushed", ms: received + 2 },
  { hop: "last proxy pushed", ms: received + 2 },
  { hop: "last proxy ACKed", ms: acked },
];
function trace(acked: number | null = 38): RevisionTrace {
  return {
    revision: 42,
    zones: [{
      zone: "default",
      updateRevision: 42,
      uncertaintyMs: 0.25,
      hops: zoneHops(1.5, 4, 5),
      bridges: [{
        bridgeId: "bridge-a",
        uncertaintyMs: 0.5,
        hops: bridgeHops(6, acked),
        proxies: { pushed: 1, acked: acked === null ? 0 : 1 },
        slowestProxy: { proxyId: "client-1", pushedMs: 8, ackedMs: acked },
      }],
    }],
  };
}
const hops = (l: Layout) => l.rows.filter((r): r is HopRow => r.type === "hop");

describe("the per-hop trace's waterfall layout", () => {
  it("has a heading row per zone and per bridge, then one row per hop, top to bottom", () => {
    const l = mod.traceLayout(trace());
    expect(l.rows.map((r) => (r.type === "hop" ? r.hop : r.type))).toEqual([
      "group", "committed", "zone notified", "zone applied", "frame sent",
      "group", "bridge received", "translated", "snapshot published", "first proxy pushed", "last proxy pushed", "last proxy ACKed",
      "note",
    ]);
    expect(l.rows[0]!.text).toBe("zone default (update 42, ±0.3 ms)");
    expect(l.rows[5]!.text).toBe("bridge bridge-a (±0.5 ms): 1/1 proxies ACKed");
    expect(l.rows.at(-1)!.text).toBe("slowest proxy client-1: pushed 8.0 ms, ACKed 38.0 ms");
    const ys = l.rows.map((r) => r.y);
    expect(ys).toEqual(ys.map((_, i) => mod.GEOMETRY.axis + i * mod.GEOMETRY.row));
    expect(l.height).toBeGreaterThan(ys.at(-1)! + mod.GEOMETRY.row - 1);
  });

  it("draws each bar from the previous hop to this one on one scale, the bridge's starting where its zone ended", () => {
    const g = mod.GEOMETRY;
    const l = mod.traceLayout(trace());
    // 38 ms rounds the axis up to 50 ms; 0 ms is at the label column's edge.
    expect(l.endMs).toBe(50);
    const px = (ms: number) => g.label + (ms / 50) * (g.width - g.label - g.valueRoom);
    const by = new Map(hops(l).map((r) => [r.hop, r]));
    expect(by.get("zone applied")).toMatchObject({ x: px(1.5), w: px(4) - px(1.5), ms: 4 });
    expect(by.get("bridge received")).toMatchObject({ x: px(5), w: px(6) - px(5) });
    expect(by.get("last proxy ACKed")).toMatchObject({ x: px(8), w: px(38) - px(8) });
    // No bar runs past the plot, so its value label fits in the room left for it.
    for (const r of hops(l)) expect(r.x! + r.w!).toBeLessThanOrEqual(g.width - g.valueRoom + 1e-9);
    expect(l.ticks.map((t) => t.text)).toEqual(["0 ms", "12.5 ms", "25 ms", "37.5 ms", "50 ms"]);
    expect(l.ticks[0]!.x).toBe(g.label);
    expect(l.ticks.at(-1)!.x).toBe(g.width - g.valueRoom);
  });

  it("widens the chart for a long heading instead of cutting it off, the plot keeping its scale", () => {
    const g = mod.GEOMETRY;
    const short = mod.traceLayout(trace());
    expect(short.width).toBe(g.width);
    const t = trace();
    t.zones[0]!.bridges[0]!.bridgeId = `bridge-${"x".repeat(100)}`;
    const long = mod.traceLayout(t);
    const heading = long.rows[5]!.text;
    expect(long.width).toBe(Math.ceil(heading.length * g.charWidth));
    expect(long.width).toBeGreaterThan(g.width);
    expect(long.ticks).toEqual(short.ticks);
  });

  it("gives a hop that took no time a visible mark, and one that runs backwards (clock offsets) a mark where it happened", () => {
    const t = trace();
    t.zones[0]!.hops = zoneHops(3, 2, 2);
    const by = new Map(hops(mod.traceLayout(t)).map((r) => [r.hop, r]));
    expect(by.get("committed")!.w).toBe(2);
    expect(by.get("frame sent")!.w).toBe(2);
    // Applied at 2 ms after a notification read at 3 ms (within the clocks' uncertainty): a thin mark at 2 ms, not a negative width.
    const g = mod.GEOMETRY;
    expect(by.get("zone applied")).toMatchObject({ x: g.label + (2 / 50) * (g.width - g.label - g.valueRoom), w: 2 });
  });

  it("writes every value as text, and says which hops have not happened, without a bar", () => {
    const l = mod.traceLayout(trace(null));
    const ack = hops(l).find((r) => r.hop === "last proxy ACKed")!;
    expect(ack).toMatchObject({ ms: null, text: "last proxy ACKed: not yet" });
    expect(ack.x).toBeUndefined();
    expect(hops(l).find((r) => r.hop === "frame sent")!.text).toBe("frame sent: 5.0 ms");
    expect(l.rows.at(-1)!.text).toBe("slowest proxy client-1: pushed 8.0 ms, not ACKed yet");
    // The scale follows the hops that happened.
    expect(l.endMs).toBe(10);
  });

  it("notes a zone no bridge has reported for, and lays out no rows without a zone", () => {
    const t = trace();
    t.zones[0]!.bridges = [];
    expect(mod.traceLayout(t).rows.at(-1)).toMatchObject({ type: "note", text: "no bridge has reported it yet" });
    const empty = mod.traceLayout({ revision: 7, zones: [] });
    expect(empty.rows).toEqual([]);
    expect(empty.endMs).toBe(1);
  });

  it("is complete once every zone has its commit and every bridge its last ACK", () => {
    expect(mod.traceComplete(trace())).toBe(true);
    expect(mod.traceComplete(trace(null))).toBe(false);
    const noCommit = trace();
    noCommit.zones[0]!.hops = zoneHops(null, 0, 1, null);
    expect(mod.traceComplete(noCommit)).toBe(false);
    const noBridge = trace();
    noBridge.zones[0]!.bridges = [];
    expect(mod.traceComplete(noBridge)).toBe(false);
    expect(mod.traceComplete({ revision: 1, zones: [] })).toBe(false);
  });

  it("summarises every hop with its time in one sentence per zone and bridge, for the chart's label", () => {
    expect(mod.traceSummary(trace(null))).toBe(
      "Per-hop trace of revision 42, milliseconds after the commit. Zone default: committed 0.0 ms, zone notified 1.5 ms, zone applied 4.0 ms, frame sent 5.0 ms."
        + " Bridge bridge-a: bridge received 6.0 ms, translated 7.0 ms, snapshot published 7.0 ms, first proxy pushed 8.0 ms, last proxy pushed 8.0 ms, last proxy ACKed not yet; 0/1 proxies ACKed, the slowest client-1 not yet.",
    );
  });
});
