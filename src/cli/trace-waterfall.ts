import type { RevisionTrace, TraceHop } from "../contract/revision-trace.js";

/** Characters of the widest bar: the last hop of the slowest bridge. */
const WIDTH = 40;

/**
 * A revision's trace as a waterfall (pure): per zone, then per bridge, one
 * line per hop with its time after the commit and a bar from the previous
 * hop to it, all on one scale so zones and bridges compare at a glance.
 * Hops that have not happened read "-" without a bar.
 *
 * @example
 * formatWaterfall(status.trace)
 * // zone default (update 15, ±0.1 ms)
 * //   committed              0.0 ms  |
 * //   zone notified          1.2 ms  |█
 * //   ...
 */
export function formatWaterfall(trace: RevisionTrace): string {
  if (trace.zones.length === 0) return `no zone has applied revision ${trace.revision} yet\n`;
  const all = trace.zones.flatMap((z) => [...z.hops, ...z.bridges.flatMap((b) => b.hops)]);
  const end = Math.max(1, ...all.map((h) => h.ms ?? 0));
  const scale = WIDTH / end;
  const label = Math.max(...all.map((h) => h.hop.length));
  const lines: string[] = [];
  for (const z of trace.zones) {
    lines.push(`zone ${z.zone} (update ${z.updateRevision}, ±${ms(z.uncertaintyMs)} ms)`);
    let previous = 0;
    const line = (h: TraceHop, indent: string): void => {
      const at = h.ms === null ? "-" : `${ms(h.ms)} ms`;
      const bar = h.ms === null ? "" : bars(previous, h.ms, scale);
      lines.push(`${`${indent}${h.hop}`.padEnd(label + 4)}  ${at.padStart(10)}  |${bar}`);
      if (h.ms !== null) previous = h.ms;
    };
    for (const h of z.hops) line(h, "  ");
    const zonePrevious = previous;
    if (z.bridges.length === 0) lines.push("  no bridge has reported it");
    for (const b of z.bridges) {
      previous = zonePrevious;
      lines.push(`  bridge ${b.bridgeId} (±${ms(b.uncertaintyMs)} ms): ${b.proxies.acked}/${b.proxies.pushed} proxies pushed at this revision ACKed`);
      for (const h of b.hops) line(h, "    ");
      const s = b.slowestProxy;
      if (s) lines.push(`    slowest proxy ${s.proxyId}: pushed ${s.pushedMs === null ? "-" : `${ms(s.pushedMs)} ms`}, ${s.ackedMs === null ? "not ACKed yet" : `ACKed ${ms(s.ackedMs)} ms`}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Spaces up to where the hop's interval starts, then blocks to its end; a hop that took no time is a thin mark. */
function bars(fromMs: number, toMs: number, scale: number): string {
  const start = Math.max(0, Math.round(Math.min(fromMs, toMs) * scale));
  const length = Math.round(Math.max(0, toMs - fromMs) * scale);
  if (length === 0) return `${" ".repeat(start)}${toMs > fromMs ? "█" : "▏"}`;
  return " ".repeat(start) + "█".repeat(length);
}

function ms(x: number): string {
  return x.toFixed(1);
}
