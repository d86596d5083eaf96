/**
 * The measured parts of a run, each against the same simulated proxies:
 * a series of changes through the API against a set of servers (the bridges,
 * or the naive baseline), and the fan-out lab (our ADS core vs the floor).
 */
import { join } from "node:path";
import { ROOT } from "../scripts/lib/processes.js";
import type { Fleet } from "./fleet.js";
import type { FloorApi, LabKind } from "./floor.js";
import { nowMs, spawnChild } from "./ipc.js";
import { CHANGE_KINDS, HUB, LAB_ROUTED, serviceName, type Change, type SimProxySpec, type Sizes } from "./mesh.js";
import { changeResult, cpuRows, memoryAfterGc, sampleAll, summarizeChanges, type ChangeResult, type KindSummary, type Tracked } from "./metrics.js";
import type { LabSide, PhaseReport, Progress } from "./report.js";
import type { Mode } from "./sim-proxy.js";
import { summarize } from "./stats.js";
import { summarizeHops, type HopSample } from "./trace-hops.js";

export interface PhaseOptions {
  server: "ours" | "naive";
  mode: Mode;
  fleet: Fleet;
  specs: SimProxySpec[];
  addressOf(p: SimProxySpec): string;
  /** Processes whose CPU and RSS are reported; servers first. */
  tracked: Tracked[];
  restSec: number;
  plan: Change[];
  /** Writes the change through the API; resolves with its revision. */
  write(change: Change): Promise<number>;
  /** Called right after the write is answered (the naive servers are told here). */
  afterWrite?(change: Change, revision: number): Promise<void>;
  /** Called once a change settled (e.g. to read the grpc-js-xds clients' ACKs); `sentAtDateMs` is Date.now() just before the write was sent. */
  settled?(change: Change, revision: number, sentAtDateMs: number): void;
  /** After a change settled and before the next: its per-hop trace (ours only; the naive servers have none). */
  trace?(change: Change, revision: number): Promise<HopSample | undefined>;
  /** Called with the proxies connected and at rest, before the changes. */
  connected?(): Promise<void>;
  /** Right before the first change is written and right after the last settled (e.g. to profile exactly the changes). */
  changesStart?(): Promise<void>;
  changesEnd?(): Promise<void>;
  settleTimeoutMs: number;
  progress: Progress;
}

const subscribersOf = (specs: SimProxySpec[], service: string): number => specs.filter((p) => p.services.includes(service)).length;

/** Connects the proxies, measures rest, then each change of the plan. */
export async function runPhase(o: PhaseOptions): Promise<PhaseReport> {
  const before = await sampleAll(o.tracked);
  const rssBeforeMiB = await memoryAfterGc(o.tracked);
  o.progress.step(`${o.server}: connecting ${o.specs.length} proxies`, 0);
  const connect = await o.fleet.connect(o.mode, o.specs, o.addressOf, true);
  if (connect.ready < o.specs.length) throw new Error(`${o.server}: only ${connect.ready}/${o.specs.length} proxies got their initial configuration, e.g. ${connect.late.join("; ")}`);
  o.progress.step(`${o.server}: ${connect.ready} proxies configured in ${(connect.ms / 1000).toFixed(1)} s`);
  await o.connected?.();
  // Let connection bursts, status reports and GC settle before calling it rest.
  await new Promise((r) => setTimeout(r, 1_000));
  const rest0 = await sampleAll(o.tracked);
  const restFrom = Date.now();
  await new Promise((r) => setTimeout(r, o.restSec * 1000));
  const rest1 = await sampleAll(o.tracked);
  // After the CPU window: a collection's own CPU is not "at rest".
  const rssAtRestMiB = await memoryAfterGc(o.tracked);
  const restTo = Date.now();
  o.progress.step(`${o.server}: at rest`);

  const results: ChangeResult[] = [];
  await o.changesStart?.();
  const load0 = await sampleAll(o.tracked);
  const loadStart = nowMs();
  for (const [i, change] of o.plan.entries()) {
    await o.fleet.mark();
    // The clock starts before the request leaves: a push can reach the
    // proxies before the API's answer reaches us, and timing from the answer
    // would then give negative latencies. The API's own time is kept apart.
    const sentAt = Date.now();
    const sent = nowMs();
    const revision = await o.write(change);
    const answered = nowMs();
    await o.afterWrite?.(change, revision);
    const predicted = subscribersOf(o.specs, change.service);
    const outcome = await o.fleet.settle(sent, predicted, o.settleTimeoutMs);
    o.settled?.(change, revision, sentAt);
    const windows = await o.fleet.collect();
    const result = changeResult({ kind: change.kind, service: change.service, writeMs: answered - sent, predicted, timedOut: outcome.timedOut }, sent, windows);
    const hops = await o.trace?.(change, revision);
    if (hops) result.hops = hops;
    results.push(result);
    o.progress.step(`${o.server}: change ${i + 1}/${o.plan.length} ${change.kind} ${change.service}: ${result.affected} affected, all ACKed in ${result.allAckedMs.toFixed(0)} ms`);
  }
  const loadSec = (nowMs() - loadStart) / 1000;
  const load1 = await sampleAll(o.tracked);
  await o.changesEnd?.();
  const summary = Object.fromEntries((["all", ...CHANGE_KINDS] as const).map((k) => [k, summarizeChanges(results, k)])) as Record<(typeof CHANGE_KINDS)[number] | "all", KindSummary>;
  return {
    server: o.server,
    connect,
    restSec: o.restSec,
    restWindow: { from: restFrom, to: restTo },
    rest: cpuRows(rest0, rest1, o.restSec, o.tracked),
    loadSec,
    load: cpuRows(load0, load1, loadSec, o.tracked),
    rssBeforeMiB,
    rssAtRestMiB,
    changes: results,
    summary,
    hops: summarizeHops(results.flatMap((r) => (r.hops ? [r.hops] : []))),
  };
}

/**
 * The fan-out lab: the same proxies connected first to our ADS core, then
 * to the floor server, both in bench/floor.ts; `reps` repetitions of a
 * mesh-wide change (every proxy) and a one-service change (its subscribers).
 */
export async function runLab(o: { sizes: Sizes; mode: Mode; fleet: Fleet; specs: SimProxySpec[]; hubBackends: { host: string; port: number }[]; zone: string; reps: number; progress: Progress }): Promise<{ ours: LabSide[]; floor: LabSide[] }> {
  const lab = spawnChild<FloorApi>(join(ROOT, "bench", "floor.ts"), [], "floor lab");
  try {
    const { oursAddress, floorAddress } = await lab.call("init", { sizes: o.sizes, hubBackends: o.hubBackends, zone: o.zone });
    const targets: Record<LabKind, number> = { "mesh-wide": subscribersOf(o.specs, HUB), "route-weight": subscribersOf(o.specs, serviceName(LAB_ROUTED)) };
    const side = async (which: "ours" | "floor"): Promise<LabSide[]> => {
      o.progress.step(`lab: connecting ${o.specs.length} proxies to ${which === "ours" ? "our ADS core" : "the floor server"}`, 0);
      const connect = await o.fleet.connect(o.mode, o.specs, () => (which === "ours" ? oursAddress : floorAddress), which === "ours");
      if (which === "floor") {
        const deadline = Date.now() + 60_000;
        while ((await lab.call("floorStreams", null)) < o.specs.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
      if (connect.ready < o.specs.length) throw new Error(`lab ${which}: only ${connect.ready}/${o.specs.length} proxies ready, e.g. ${connect.late.join("; ")}`);
      await new Promise((r) => setTimeout(r, 500));
      const out: LabSide[] = (["mesh-wide", "route-weight"] as const).map((kind) => ({ kind, targets: targets[kind], ms: [], summary: summarize([]), prepMs: [] }));
      // Repetition 0 warms both servers' code paths up and is not counted.
      for (let n = 0; n <= o.reps; n++) {
        for (const s of out) {
          await o.fleet.mark();
          const r = which === "ours" ? await lab.call("oursChange", { kind: s.kind, n }) : await lab.call("floorChange", { kind: s.kind, n, mode: o.mode });
          const outcome = await o.fleet.settle(r.tStart, s.targets, 60_000);
          const windows = (await o.fleet.collect()).filter((w) => w.changed > 0);
          if (outcome.timedOut) process.stderr.write(`\nlab ${which} ${s.kind}: only ${windows.length}/${s.targets} proxies changed\n`);
          const ms = Math.max(...windows.map((w) => w.lastChangeAck)) - r.tStart;
          if (n === 0) continue;
          s.ms.push(ms);
          s.prepMs.push("buildMs" in r ? r.buildMs : r.encodeMs);
          o.progress.step(`lab ${which}: ${s.kind} ${n}/${o.reps} ${ms.toFixed(1)} ms`);
        }
      }
      await o.fleet.disconnect();
      return out.map((s) => ({ ...s, summary: summarize(s.ms) }));
    };
    const ours = await side("ours");
    const floor = await side("floor");
    return { ours, floor };
  } finally {
    await lab.stop();
  }
}
