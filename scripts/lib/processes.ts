/**
 * Starting and stopping the real processes of a local Edgeplane: wrangler dev
 * (workerd with local D1 and Durable Objects) and bridges. Used by
 * `npm start`, the end-to-end tests and the benchmark, so all three run the
 * system the same way.
 *
 * Every child runs in its own process group and is stopped by signalling the
 * group: killing only wrangler's node process would leave workerd orphaned.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { signApiToken } from "../../src/contract/api-token.js";
import type { ApiEndpoint } from "./api-caller.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

const QUIET_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_LOG: "warn",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

export interface Managed {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns a process in its own group; `stop()` signals the group and waits. */
export function spawnGroup(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void; name: string }): Managed {
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = (stream: NodeJS.ReadableStream, err: boolean) =>
    createInterface({ input: stream }).on("line", (line) => {
      if (opts.onLine) opts.onLine(line);
      else if (err || process.env.EDGEPLANE_VERBOSE) process.stderr.write(`[${opts.name}] ${line}\n`);
    });
  lines(child.stdout!, false);
  lines(child.stderr!, true);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, stop: () => stopGroup(child, exited, 5_000) };
}

/**
 * Stops a child started with `detached: true` and everything it started:
 * SIGTERM to its process group, SIGKILL after `graceMs`, resolving when it
 * has exited.
 *
 * @example await stopGroup(child, exited, 5_000);
 */
export async function stopGroup(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Runs a command to completion, throwing with its output when it fails. */
export async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...QUIET_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${out}`);
  return out;
}

export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

export interface Wrangler extends Managed, ApiEndpoint {}

/**
 * Applies migrations to the local D1 in `stateDir`, then starts wrangler dev
 * on 127.0.0.1:`port` with that state, waits until the API answers, and
 * creates an admin API token (a bootstrap token signed with the
 * API_TOKEN_SECRET it started the Worker with makes the recorded one).
 */
export async function startWrangler(opts: { port: number; stateDir: string; vars?: Record<string, string>; inspectorPort?: number }): Promise<Wrangler> {
  await run(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", opts.stateDir], { CI: "true" });
  const args = [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(opts.port), "--persist-to", opts.stateDir, "--inspector-port", String(opts.inspectorPort ?? 0), "--show-interactive-dev-session=false"];
  // Signing keys for zone and API tokens and the key sealing mesh CA keys: fresh ones per run unless given (npm start keeps its own, local-secrets.ts).
  const vars = {
    ZONE_TOKEN_SECRET: randomBytes(32).toString("hex"),
    API_TOKEN_SECRET: randomBytes(32).toString("hex"),
    MESH_CA_SECRET: randomBytes(32).toString("hex"),
    ...opts.vars,
  };
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const managed = spawnGroup(process.execPath, args, { env: QUIET_ENV, name: "wrangler" });
  const url = `http://127.0.0.1:${opts.port}`;
  try {
    await waitForHttp(`${url}/healthz`, 60_000);
    return { ...managed, url, adminToken: await createAdminToken(url, vars.API_TOKEN_SECRET) };
  } catch (err) {
    await managed.stop();
    throw err;
  }
}

/**
 * A recorded admin token for the harness (a week), made through the API with
 * a bootstrap token signed with `secret`, as an operator makes the first one.
 */
export async function createAdminToken(url: string, secret: string, subject = "local-admin"): Promise<string> {
  const bootstrap = (await signApiToken(secret, { sub: "bootstrap", role: "admin", meshes: ["*"], ttlSeconds: 600, bootstrap: true }, Date.now())).token;
  const res = await fetch(`${url}/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${bootstrap}`, "content-type": "application/json" },
    body: JSON.stringify({ subject, role: "admin", meshes: ["*"], ttlSeconds: 7 * 24 * 3600 }),
  });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 201 || !body.token) throw new Error(`POST /v1/tokens answered ${res.status}: ${JSON.stringify(body)}`);
  return body.token;
}

export interface BridgeEvent {
  t: number;
  level: string;
  event: string;
  [field: string]: unknown;
}

export interface BridgeProcess extends Managed {
  adsAddress: string;
  events: BridgeEvent[];
  /** Resolves with the first event (already seen or future) matching `pred`. */
  waitFor(pred: (e: BridgeEvent) => boolean, timeoutMs?: number, since?: number): Promise<BridgeEvent>;
}

/** Starts `edgeplane-bridge` and follows its JSON event log. */
export async function startBridge(opts: {
  zone: string;
  controlPlane: string;
  adsPort: number;
  cacheDir: string;
  extraArgs?: string[];
  waitForZone?: boolean;
  /** Options for node itself, before the script (the benchmark's --cpu-prof). */
  nodeArgs?: string[];
}): Promise<BridgeProcess> {
  const events: BridgeEvent[] = [];
  const waiters: { pred: (e: BridgeEvent) => boolean; resolve: (e: BridgeEvent) => void }[] = [];
  const onLine = (line: string): void => {
    let e: BridgeEvent;
    try {
      e = JSON.parse(line) as BridgeEvent;
    } catch {
      process.stderr.write(`[bridge ${opts.zone}] ${line}\n`);
      return;
    }
    if (process.env.EDGEPLANE_VERBOSE) process.stderr.write(`[bridge ${opts.zone}] ${line}\n`);
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  const args = [
    ...(opts.nodeArgs ?? []),
    "--import", "tsx", join(ROOT, "src/xds-bridge/main.ts"),
    "--zone", opts.zone, "--control-plane", opts.controlPlane,
    "--ads-port", String(opts.adsPort), "--cache-dir", opts.cacheDir,
    ...(opts.extraArgs ?? []),
  ];
  const managed = spawnGroup(process.execPath, args, { onLine, name: `bridge ${opts.zone}` });
  const waitFor = (pred: (e: BridgeEvent) => boolean, timeoutMs = 20_000, since = 0): Promise<BridgeEvent> => {
    const seen = events.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bridge ${opts.zone}: no matching event in ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  };
  try {
    const listening = await waitFor((e) => e.event === "ads_listening");
    if (opts.waitForZone !== false) await waitFor((e) => e.event === "zone_update_applied");
    return { ...managed, adsAddress: String(listening.address), events, waitFor };
  } catch (err) {
    // A bridge that never became ready is nobody's to stop but ours.
    await managed.stop();
    throw err;
  }
}
