/**
 * What the benchmark measures, computed from raw observations: CPU and RSS
 * of processes (from /proc for the ones we did not write: bridges, workerd,
 * wrangler), and per change the latency, bytes and affected/pushed counts
 * from what the simulated proxies recorded.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ChangeKind } from "./mesh.js";
import type { ProxyWindow } from "./sim-proxy.js";
import { summarize, type Summary } from "./stats.js";
import type { HopSample } from "./trace-hops.js";

const CLK_TCK = 100;
const PAGE = 4096;

export interface ProcSample {
  cpuSec: number;
  rssBytes: number;
  /** CPU seconds per pid, when the set is discovered anew at each sample. */
  perPid?: Record<number, number>;
}

/** utime+stime and RSS of one process, or undefined once it is gone. */
export function readProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may hold spaces) start at field 3.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { cpuSec: (Number(f[11]) + Number(f[12])) / CLK_TCK, rssBytes: Number(f[21]) * PAGE };
  } catch {
    return undefined;
  }
}

/** Pids in process group `pgid` whose command is `comm` (e.g. wrangler's two workerd). */
export function groupPids(pgid: number, comm: string): number[] {
  return pidsWhere(comm, (f) => Number(f[2]) === pgid);
}

/** Pids of the children of `parent` whose command is `comm` (e.g. the workerd a Miniflare in this process started). */
export function childPids(parent: number, comm: string): number[] {
  return pidsWhere(comm, (f) => Number(f[1]) === parent);
}

/** Pids whose command is `comm` and whose stat fields after the command (state, ppid, pgrp, ...) pass `test`. */
function pidsWhere(comm: string, test: (fields: string[]) => boolean): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (name === comm && test(f)) out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** A named set of processes whose CPU and RSS are summed. */
export interface Tracked {
  name: string;
  /** How many proxies it serves (for RSS per proxy); 0 when not a server. */
  proxies: number;
  sample(): Promise<ProcSample>;
  /** A full garbage collection, where the process lets us ask for one (the bridges, through their inspector): run before memory is read. */
  collectGarbage?(): Promise<void>;
}

/** `pids` is called at each sample, so processes that a parent replaces (wrangler restarting workerd) are still counted. */
export function procTracked(name: string, pids: () => number[], proxies = 0): Tracked {
  return {
    name,
    proxies,
    sample: async () => {
      const perPid: Record<number, number> = {};
      let cpuSec = 0;
      let rssBytes = 0;
      for (const pid of pids()) {
        const s = readProc(pid);
        if (!s) continue;
        perPid[pid] = s.cpuSec;
        cpuSec += s.cpuSec;
        rssBytes += s.rssBytes;
      }
      return { cpuSec, rssBytes, perPid };
    },
  };
}

export type Samples = Record<string, ProcSample>;

/** RSS of each process in MiB, each collected first where it can be. */
export async function memoryAfterGc(tracked: Tracked[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tracked) {
    await t.collectGarbage?.();
    out[t.name] = (await t.sample()).rssBytes / 2 ** 20;
  }
  return out;
}

export async function sampleAll(tracked: Tracked[]): Promise<Samples> {
  const out: Samples = {};
  for (const t of tracked) out[t.name] = await t.sample();
  return out;
}

export interface CpuRow {
  process: string;
  proxies: number;
  /** A process of the set was replaced during the window: the CPU it used after the first sample is missing. */
  replaced?: boolean;
  /** CPU seconds used in the window, and as a share of one core. */
  cpuSec: number;
  corePct: number;
  rssMiB: number;
}

/** CPU used between two samples over `wallSec`, RSS at the end. */
export function cpuRows(before: Samples, after: Samples, wallSec: number, tracked: Tracked[]): CpuRow[] {
  return tracked.map((t) => {
    const a = after[t.name] ?? { cpuSec: 0, rssBytes: 0 };
    const b = before[t.name];
    let cpuSec = a.cpuSec - (b?.cpuSec ?? 0);
    let replaced = false;
    if (a.perPid && b?.perPid) {
      // Per pid: a new process started inside the window, so all its CPU belongs to it.
      cpuSec = Object.entries(a.perPid).reduce((n, [pid, sec]) => n + sec - (b.perPid![Number(pid)] ?? 0), 0);
      replaced = Object.keys(b.perPid).some((pid) => a.perPid![Number(pid)] === undefined);
    }
    return { process: t.name, proxies: t.proxies, ...(replaced ? { replaced } : {}), cpuSec, corePct: (100 * cpuSec) / wallSec, rssMiB: a.rssBytes / 2 ** 20 };
  });
}

/** One measured change. */
export interface ChangeResult {
  kind: ChangeKind;
  service: string;
  /** API request sent -> answered. */
  writeMs: number;
  /** Proxies expected to see it (they subscribe to the changed service). */
  predicted: number;
  /** Proxies whose subscribed content changed. */
  affected: number;
  /** Proxies that received any response. */
  pushed: number;
  /** Write sent -> last affected proxy ACKed the change (NaN if none was affected). */
  allAckedMs: number;
  /** Write sent -> each affected proxy's ACK (left out of the JSON: its summary is there). */
  ackMs: number[];
  perProxyMs: Summary;
  wireBytes: number;
  resourceBytes: number;
  /** Settling gave up before every predicted proxy changed. */
  timedOut: boolean;
  /** From the revision's trace (ours): each hop after the commit and from the hop before, worst over zones and bridges. */
  hops?: HopSample;
}

/** Folds the proxies' windows of one change into its result; `t0` is when the write was sent (or the lab's push began). */
export function changeResult(base: { kind: ChangeKind; service: string; writeMs: number; predicted: number; timedOut: boolean }, t0: number, windows: ProxyWindow[]): ChangeResult {
  const affected = windows.filter((w) => w.changed > 0);
  const acks = affected.map((w) => w.lastChangeAck - t0);
  return {
    ...base,
    affected: affected.length,
    pushed: windows.length,
    allAckedMs: acks.length > 0 ? Math.max(...acks) : NaN,
    ackMs: acks,
    perProxyMs: summarize(acks),
    wireBytes: windows.reduce((n, w) => n + w.wireBytes, 0),
    resourceBytes: windows.reduce((n, w) => n + w.resourceBytes, 0),
  };
}

export interface KindSummary {
  kind: ChangeKind | "all";
  changes: number;
  /** Over changes: write sent -> every affected proxy ACKed. */
  allAcked: Summary;
  /** Pooled over (change, affected proxy). */
  perProxy: Summary;
  affectedMean: number;
  pushedMean: number;
  wireBytesMean: number;
  wireBytesPerPushed: number;
  writeMs: Summary;
  timedOut: number;
}

export function summarizeChanges(results: ChangeResult[], kind: ChangeKind | "all"): KindSummary {
  const rs = kind === "all" ? results : results.filter((r) => r.kind === kind);
  const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const pushed = rs.reduce((n, r) => n + r.pushed, 0);
  return {
    kind,
    changes: rs.length,
    allAcked: summarize(rs.map((r) => r.allAckedMs).filter((x) => !Number.isNaN(x))),
    perProxy: summarize(rs.flatMap((r) => r.ackMs)),
    affectedMean: mean(rs.map((r) => r.affected)),
    pushedMean: mean(rs.map((r) => r.pushed)),
    wireBytesMean: mean(rs.map((r) => r.wireBytes)),
    wireBytesPerPushed: pushed === 0 ? 0 : rs.reduce((n, r) => n + r.wireBytes, 0) / pushed,
    writeMs: summarize(rs.map((r) => r.writeMs)),
    timedOut: rs.filter((r) => r.timedOut).length,
  };
}
