/**
 * CPU profiles taken through a process's inspector (Chrome DevTools
 * Protocol, `Profiler.start` / `Profiler.stop`), so a profile covers exactly
 * the window being measured: the bench's changes, not the set-up before
 * them. The same code profiles a bridge (node --inspect) and the Worker
 * (wrangler dev's inspector proxy serves the isolate that runs the API, D1's
 * client and the zone objects).
 *
 * @example
 * const p = await openProfiler(9229);
 * await p.start(); ...; const profile = await p.stop(); p.close();
 */
import WebSocket from "ws";
import type { CpuProfile } from "./profile.js";

export interface InspectorProfiler {
  start(): Promise<void>;
  stop(): Promise<CpuProfile>;
  close(): void;
}

/** Connects to the first target the inspector on `port` lists; retries while the process is still opening it. */
export async function openProfiler(port: number, timeoutMs = 15_000): Promise<InspectorProfiler> {
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  let last = "";
  while (!url) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl?: string }[];
      url = list.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
      if (!url) last = "no target listed";
    } catch (err) {
      last = String(err);
    }
    if (!url) {
      if (Date.now() > deadline) throw new Error(`inspector on port ${port}: ${last}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.on("message", (data) => {
    const m = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const p = m.id === undefined ? undefined : pending.get(m.id);
    if (!p) return;
    pending.delete(m.id!);
    if (m.error) p.reject(new Error(m.error.message));
    else p.resolve(m.result);
  });
  const call = <T>(method: string, params: object = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  // 0.5 ms: fine enough for steps of a few ms, light enough not to skew them much.
  await call("Profiler.setSamplingInterval", { interval: 500 });
  return {
    start: () => call("Profiler.start"),
    stop: async () => (await call<{ profile: CpuProfile }>("Profiler.stop")).profile,
    close: () => ws.close(),
  };
}
