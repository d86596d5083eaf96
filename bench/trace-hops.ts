/**
 * The per-hop breakdown of the benchmark, read from the product's own trace
 * (`trace` of `GET {resource}/status`, src/contract/revision-trace.ts):
 * after each change settles, the trace of the resource it wrote; per hop,
 * when it happened after the commit and how long it took from the hop
 * before, each the worst over the zones and bridges (the path the last
 * proxy waited on), then p50 and p99 over the changes.
 */
import type { ApiCall } from "../scripts/lib/api-caller.js";
import type { ResourceStatus } from "../src/contract/rollout.js";
import type { RevisionTrace } from "../src/contract/revision-trace.js";
import type { Resource } from "../src/contract/resource-types.js";
import { putPath } from "./mesh.js";
import { summarize, type Summary } from "./stats.js";

/** One change's hops: name -> ms after the commit, and ms since the hop before. */
export type HopSample = Record<string, { atMs: number; stepMs: number }>;

export interface HopRow {
  hop: string;
  at: Summary;
  step: Summary;
}

/**
 * The trace of `doc`'s latest revision once every zone has it and every
 * bridge reported its proxies' ACKs (the bridges report on their status
 * beat, so this may take a few tens of ms after the change settled), or
 * whatever it holds at `timeoutMs`.
 */
export async function settledTrace(api: ApiCall, doc: Resource, zones: number, bridgesPerZone: number, timeoutMs: number): Promise<RevisionTrace | undefined> {
  const deadline = Date.now() + timeoutMs;
  let trace: RevisionTrace | undefined;
  for (;;) {
    const res = await api("GET", `${putPath(doc)}/status`);
    if (res.status === 200) trace = (res.body as unknown as ResourceStatus).trace;
    const complete =
      trace !== undefined &&
      trace.zones.length === zones &&
      trace.zones.every((z) => z.hops[0]?.ms === 0 && z.bridges.length >= bridgesPerZone && z.bridges.every((b) => b.proxies.acked === b.proxies.pushed));
    if (complete || Date.now() > deadline) return trace;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The hops of one trace, worst over its zones and bridges (pure). */
export function hopSample(trace: RevisionTrace): HopSample {
  const out: HopSample = {};
  const note = (hop: string, atMs: number, stepMs: number): void => {
    const o = out[hop];
    out[hop] = o ? { atMs: Math.max(o.atMs, atMs), stepMs: Math.max(o.stepMs, stepMs) } : { atMs, stepMs };
  };
  for (const z of trace.zones) {
    let previous = 0;
    for (const h of z.hops) {
      if (h.ms === null) continue;
      note(h.hop, h.ms, h.ms - previous);
      previous = h.ms;
    }
    const zoneEnd = previous;
    for (const b of z.bridges) {
      // A bridge none of whose proxies changed pushes nothing: its push and ACK hops are absent, not zero.
      previous = zoneEnd;
      for (const h of b.hops) {
        if (h.ms === null) continue;
        note(h.hop, h.ms, h.ms - previous);
        previous = h.ms;
      }
    }
  }
  return out;
}

/** Per hop, in the order they happen, p50..max over the changes that had it (pure). */
export function summarizeHops(samples: HopSample[]): HopRow[] {
  // The order of the fullest sample (hops are recorded as they happen), then any it lacked.
  const fullest = [...samples].sort((a, b) => Object.keys(b).length - Object.keys(a).length)[0] ?? {};
  const order = Object.keys(fullest);
  for (const s of samples) for (const hop of Object.keys(s)) if (!order.includes(hop)) order.push(hop);
  return order.map((hop) => {
    const had = samples.flatMap((s) => (s[hop] ? [s[hop]] : []));
    return { hop, at: summarize(had.map((h) => h.atMs)), step: summarize(had.map((h) => h.stepMs)) };
  });
}
