/**
 * The simulated proxies as one thing: W worker processes (bench/sim-proxy.ts)
 * sharing the proxies round-robin. Connects them to a set of servers, opens
 * and closes measurement windows, and waits for a change to settle.
 */
import { join } from "node:path";
import { ROOT } from "../scripts/lib/processes.js";
import { nowMs, spawnChild, type ChildHandle } from "./ipc.js";
import type { SimProxySpec } from "./mesh.js";
import type { Tracked } from "./metrics.js";
import type { Mode, ProgressEvent, ProxyWindow, SimProxyApi } from "./sim-proxy.js";

export interface SettleOutcome {
  timedOut: boolean;
  changed: number;
}

export class Fleet {
  private readonly workers: ChildHandle<SimProxyApi, ProgressEvent>[] = [];
  private readonly progress = new Map<number, ProgressEvent>();
  private connected = 0;

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const w = spawnChild<SimProxyApi, ProgressEvent>(join(ROOT, "bench", "sim-proxy.ts"), [String(i)], `sim-proxy ${i}`);
      w.onEvent((e) => this.progress.set(e.worker, e));
      this.workers.push(w);
    }
  }

  /** The workers' CPU (process.cpuUsage, reported by each) and RSS, summed. */
  tracked(): Tracked {
    return {
      name: `sim-proxy workers (${this.workers.length})`,
      proxies: 0,
      sample: async () => {
        const us = await Promise.all(this.workers.map((w) => w.call("usage", null)));
        return { cpuSec: us.reduce((n, u) => n + u.cpuUs, 0) / 1e6, rssBytes: us.reduce((n, u) => n + u.rssBytes, 0) };
      },
    };
  }

  /**
   * Connects every proxy to `addressOf(proxy)`; with `waitInitial`, until
   * each holds its initial resources. Returns how many got there.
   */
  async connect(mode: Mode, specs: SimProxySpec[], addressOf: (p: SimProxySpec) => string, waitInitial: boolean): Promise<{ ready: number; ms: number; late: string[] }> {
    const started = nowMs();
    this.progress.clear();
    // Contiguous slices: proxies alternate zones, so each worker gets every zone.
    const w = this.workers.length;
    const parts = this.workers.map((_, i) => specs.filter((_, j) => Math.floor((j * w) / specs.length) === i).map((p) => ({ ...p, address: addressOf(p) })));
    const results = await Promise.all(this.workers.map((w, i) => w.call("connect", { mode, proxies: parts[i]!, waitInitial }, 180_000)));
    this.connected = specs.length;
    return { ready: results.reduce((n, r) => n + r.ready, 0), ms: nowMs() - started, late: results.flatMap((r) => r.late) };
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call("disconnect", null)));
    this.connected = 0;
    // Let the servers see the streams close before anything is measured.
    await new Promise((r) => setTimeout(r, 500));
  }

  /** Starts a measurement window on every worker. */
  async mark(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call("mark", null)));
    this.progress.clear();
  }

  /**
   * Waits until `predicted` proxies saw their content change, then until no
   * proxy received anything for a while (so late and unexpected pushes land
   * in this change's window, not the next), or `timeoutMs` after `t0`.
   */
  async settle(t0: number, predicted: number, timeoutMs: number): Promise<SettleOutcome> {
    for (;;) {
      await new Promise((r) => setTimeout(r, 10));
      const now = nowMs();
      const events = [...this.progress.values()];
      const changed = events.reduce((n, e) => n + e.changedProxies, 0);
      const last = Math.max(t0, ...events.map((e) => e.lastArrival));
      // Quiet long enough to trust that nothing is still on its way: a
      // quarter of the time taken so far, between 300 ms and 2 s.
      const quiet = Math.min(2_000, Math.max(300, (now - t0) / 4));
      if (changed >= predicted && now - last >= quiet) return { timedOut: false, changed };
      if (now - t0 > timeoutMs) return { timedOut: true, changed };
    }
  }

  async collect(): Promise<ProxyWindow[]> {
    const parts = await Promise.all(this.workers.map((w) => w.call("collect", null)));
    return parts.flatMap((p) => p.proxies);
  }

  async digests(): Promise<Record<string, string>> {
    const parts = await Promise.all(this.workers.map((w) => w.call("digest", null)));
    return Object.assign({}, ...parts) as Record<string, string>;
  }

  get size(): number {
    return this.connected;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
