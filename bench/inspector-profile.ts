/**
 * A process's inspector (Chrome DevTools Protocol) as the bench uses it:
 * CPU profiles (`Profiler.start` / `Profiler.stop`) that cover exactly the
 * window being measured, the bench's changes, not the set-up before them;
 * and a full garbage collection before memory is read, so the RSS a bridge's
 * proxies add is not lost in the noise of when V8 last collected (about
 * ±20 MiB on a bridge of 220 MiB, against 5 MiB for 250 proxies at 20 KB).
 * The same code serves a bridge (node --inspect) and the Worker (wrangler
 * dev's inspector proxy serves the isolate that runs the API, D1's client
 * and the zone objects).
 *
 * @example
 * const p = await profilerOn(await openInspector(9229));
 * await p.start(); ...; const profile = await p.stop(); p.close();
 */
import WebSocket from "ws";
import type { CpuProfile } from "./profile.js";

export interface InspectorProfiler {
  start(): Promise<void>;
  stop(): Promise<CpuProfile>;
  close(): void;
}

export interface InspectorSession {
  call<T>(method: string, params?: object): Promise<T>;
  close(): void;
}

/** A profiler on an open session (closing it closes the session). */
export async function profilerOn(session: InspectorSession): Promise<InspectorProfiler> {
  await session.call("Profiler.enable");
  // 0.5 ms: fine enough for steps of a few ms, light enough not to skew them much.
  await session.call("Profiler.setSamplingInterval", { interval: 500 });
  return {
    start: () => session.call("Profiler.start"),
    stop: async () => (await session.call<{ profile: CpuProfile }>("Profiler.stop")).profile,
    close: () => session.close(),
  };
}

/** A full collection in the inspected process, resolved once it is done. */
export async function collectGarbage(session: InspectorSession): Promise<void> {
  await session.call("HeapProfiler.collectGarbage");
}

/** Connects to the first target the inspector on `port` lists; retries while the process is still opening it. */
export async function openInspector(port: number, timeoutMs = 15_000): Promise<InspectorSession> {
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
  return { call, close: () => ws.close() };
}
