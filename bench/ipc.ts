/**
 * The benchmark's own child processes (sim-proxy workers, naive servers,
 * the floor lab, grpc-js-xds clients): TypeScript run by tsx, each in its
 * own process group like scripts/lib/processes.ts spawnGroup, with a Node
 * IPC channel for typed request/response calls and unsolicited events.
 * A child exits by itself when its parent goes away.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { ROOT, stopGroup } from "../scripts/lib/processes.js";

/** A child's commands: name -> [argument, result]. */
export type Api = Record<string, [unknown, unknown]>;

interface CallMessage {
  id: number;
  cmd: string;
  arg: unknown;
}
interface ReplyMessage {
  re: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}
interface EventMessage {
  event: unknown;
}

export interface ChildHandle<A extends Api, E> {
  readonly pid: number;
  readonly child: ChildProcess;
  call<K extends keyof A & string>(cmd: K, arg: A[K][0], timeoutMs?: number): Promise<A[K][1]>;
  onEvent(listener: (event: E) => void): void;
  stop(): Promise<void>;
}

/** Starts `script` (a path under bench/) with tsx in its own process group. */
export function spawnChild<A extends Api, E = never>(script: string, args: string[], name: string, env: NodeJS.ProcessEnv = {}): ChildHandle<A, E> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      if (stream === child.stderr || process.env.EDGEPLANE_VERBOSE) process.stderr.write(`\n[${name}] ${line}\n`);
    });
  }
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const listeners: ((event: E) => void)[] = [];
  let nextId = 0;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", (code, signal) => {
    for (const [, p] of pending) p.reject(new Error(`${name} exited (${code ?? signal}) during a call`));
    pending.clear();
  });
  child.on("message", (raw: ReplyMessage | EventMessage) => {
    if ("event" in raw) {
      for (const l of listeners) l(raw.event as E);
      return;
    }
    const p = pending.get(raw.re);
    if (!p) return;
    pending.delete(raw.re);
    clearTimeout(p.timer);
    if (raw.ok) p.resolve(raw.value);
    else p.reject(new Error(`${name}: ${raw.error}`));
  });
  return {
    pid: child.pid!,
    child,
    call<K extends keyof A & string>(cmd: K, arg: A[K][0], timeoutMs = 300_000): Promise<A[K][1]> {
      return new Promise((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${cmd} took over ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: (v) => resolve(v as A[K][1]), reject, timer });
        const message: CallMessage = { id, cmd, arg };
        child.send(message);
      });
    },
    onEvent(listener) {
      listeners.push(listener);
    },
    stop: () => stopGroup(child, exited, 3_000),
  };
}

type Handlers<A extends Api> = { [K in keyof A]: (arg: A[K][0]) => Promise<A[K][1]> | A[K][1] };

/**
 * The child side: answers the parent's calls with `handlers`, and exits when
 * the parent disconnects (it died or is done), so nothing outlives a run.
 */
export function serveParent<A extends Api>(handlers: Handlers<A>): void {
  if (!process.send) throw new Error("started without an IPC channel: run it through bench/run.ts");
  process.on("disconnect", () => process.exit(0));
  process.on("message", (raw: CallMessage) => {
    const handler = (handlers as Record<string, (arg: unknown) => unknown>)[raw.cmd];
    const reply = (m: ReplyMessage): void => {
      if (process.connected) process.send!(m);
    };
    if (!handler) return reply({ re: raw.id, ok: false, error: `unknown command ${raw.cmd}` });
    Promise.resolve()
      .then(() => handler(raw.arg))
      .then(
        (value) => reply({ re: raw.id, ok: true, value }),
        (err: unknown) => reply({ re: raw.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
}

/** Sends an unsolicited event to the parent. */
export function emitToParent(event: unknown): void {
  if (process.connected) process.send!({ event } satisfies EventMessage);
}

/** Milliseconds on CLOCK_MONOTONIC, which every process on this machine shares. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
