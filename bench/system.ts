/**
 * The system under test, started the way `npm start` and the end-to-end
 * tests start it (scripts/lib): one wrangler dev (workerd, local D1 and
 * Durable Objects), Z zones each with a token issued through the API and one
 * bridge, and one real echo backend per zone behind the hub service. Also
 * the API write throughput measurement, which needs nothing else.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEchoBackend, type EchoBackend } from "../examples/echo/echo-backend.js";
import { apiCaller, type ApiCall } from "../scripts/lib/api-caller.js";
import { freePort } from "../scripts/lib/ports.js";
import { startBridge, startWrangler, type BridgeProcess, type Wrangler } from "../scripts/lib/processes.js";
import { Teardown } from "../scripts/lib/teardown.js";
import { issueZoneTokenFile, type IssuedToken } from "../scripts/lib/zone-token.js";
import type { Resource } from "../src/contract/resource-types.js";
import { nowMs } from "./ipc.js";
import { meshBundles, putPath, zoneName, type Sizes } from "./mesh.js";
import { collectGarbage, openInspector, type InspectorSession } from "./inspector-profile.js";
import { groupPids, procTracked, type Tracked } from "./metrics.js";

export interface System {
  dir: string;
  wrangler: Wrangler;
  zones: string[];
  bridges: BridgeProcess[];
  backends: EchoBackend[];
  api: ApiCall;
  /** PUT of one document or POST /v1/apply of several; returns the revision. */
  write(docs: Resource[]): Promise<number>;
  tracked(proxiesPerBridge: number): Tracked[];
  /** One bridge per zone, each with its token and its inspector open (memory after a full collection, profiles with --profile). */
  startBridges(): Promise<number>;
  /** The inspector of each bridge and, started with `inspect`, of the Worker ("workerd"), by process name; one session each, opened on first use. */
  inspectors: { name: string; session(): Promise<InspectorSession> }[];
  stopBridges(): Promise<void>;
  stop(): Promise<void>;
}

export interface Startup {
  applyMs: number;
  bundles: number;
  documents: number;
  bridgesMs?: number;
}

/** Everything but the bridges (see System.startBridges), with the mesh applied. */
export async function startSystem(sizes: Sizes, opts: { onStep: (step: string) => void; inspect?: boolean }): Promise<{ system: System; startup: Startup }> {
  const started = new Teardown();
  return started.starting(async (t) => {
    const dir = t.add(await mkdtemp(join(tmpdir(), "edgeplane-bench-")), (d) => rm(d, { recursive: true, force: true }));
    const zones = Array.from({ length: sizes.zones }, (_, i) => zoneName(i));
    opts.onStep("echo backends");
    const backends: EchoBackend[] = [];
    for (const z of zones) backends.push(t.add(await startEchoBackend(`echo-${z}`), (b) => b.close()));
    opts.onStep("wrangler dev");
    const inspectors: System["inspectors"] = [];
    const inspector = (name: string, port: number) => {
      let opened: Promise<InspectorSession> | undefined;
      const session = () => (opened ??= openInspector(port).then((s) => (t.defer(() => s.close()), s)));
      inspectors.push({ name, session });
      return session;
    };
    const workerdPort = opts.inspect ? await freePort() : undefined;
    if (workerdPort !== undefined) inspector("workerd", workerdPort);
    const wrangler = t.add(await startWrangler({ port: await freePort(), stateDir: join(dir, "state"), ...(workerdPort !== undefined ? { inspectorPort: workerdPort } : {}) }), (w) => w.stop());
    const bridgeSessions: (() => Promise<InspectorSession>)[] = [];
    const bridges: BridgeProcess[] = [];
    // Whatever bridges run at the end (stopBridges may have stopped them already).
    t.defer(() => Promise.all(bridges.map((b) => b.stop())));
    const api = apiCaller(wrangler);
    const write = async (docs: Resource[]): Promise<number> => {
      const res = docs.length === 1 ? await api("PUT", putPath(docs[0]!), docs[0]) : await api("POST", "/v1/apply", docs);
      if (res.status !== 200 && res.status !== 201) throw new Error(`write refused (${res.status}): ${JSON.stringify(res.body).slice(0, 500)}`);
      const revision = docs.length === 1 ? (res.body.metadata as { revision?: number } | undefined)?.revision : (res.body.revision as number | null);
      if (typeof revision !== "number") throw new Error(`write answered without a revision: ${JSON.stringify(res.body).slice(0, 300)}`);
      return revision;
    };
    const system: System = {
      dir,
      wrangler,
      zones,
      bridges,
      backends,
      api,
      write,
      tracked: (perBridge) => [
        ...bridges.map((b, i) => ({
          ...procTracked(`bridge ${zones[i]}`, () => [b.child.pid!], perBridge),
          collectGarbage: async () => collectGarbage(await bridgeSessions[i]!()),
        })),
        procTracked("workerd (2 processes)", () => groupPids(wrangler.child.pid!, "workerd")),
        // wrangler.js re-executes itself: the launcher and the CLI that runs miniflare.
        procTracked("wrangler (node)", () => groupPids(wrangler.child.pid!, "node")),
      ],
      inspectors,
      async startBridges() {
        const started = nowMs();
        for (const [i, z] of zones.entries()) {
          opts.onStep(`bridge ${z}`);
          const inspectorPort = await freePort();
          bridgeSessions.push(inspector(`bridge ${z}`, inspectorPort));
          bridges.push(
            await startBridge({
              zone: z,
              controlPlane: wrangler.url,
              adsPort: await freePort(),
              cacheDir: join(dir, `cache-${z}`),
              extraArgs: ["--token-file", tokens[i]!.file],
              nodeArgs: [`--inspect=127.0.0.1:${inspectorPort}`],
            }),
          );
        }
        return nowMs() - started;
      },
      async stopBridges() {
        await Promise.all(bridges.map((b) => b.stop()));
      },
      stop: () => started.run(),
    };
    const tokens: IssuedToken[] = [];
    opts.onStep("zone tokens");
    for (const z of zones) tokens.push(await issueZoneTokenFile(wrangler, z, join(dir, `${z}.token`)));
    const bundles = meshBundles(sizes, backends.map((b) => ({ host: "127.0.0.1", port: b.port })));
    const applyStart = nowMs();
    for (const [i, bundle] of bundles.entries()) {
      opts.onStep(`apply bundle ${i + 1}/${bundles.length}`);
      await write(bundle);
    }
    const applyMs = nowMs() - applyStart;
    return { system, startup: { applyMs, bundles: bundles.length, documents: bundles.flat().length } };
  });
}

export interface Throughput {
  sequential: { writes: number; perSec: number };
  concurrent8: { writes: number; perSec: number };
  /** GET /healthz, sequential: what wrangler dev answers with no D1 and no logic at all. */
  emptyRequestsPerSec: number;
}

/**
 * Waits until every bridge has applied the journal head (writes may still be
 * queued on their way to a busy bridge); returns how long that took.
 */
export async function bridgesCaughtUp(system: System, timeoutMs: number): Promise<number> {
  const started = nowMs();
  const head = (await system.api("GET", "/v1/revision")).body.revision as number;
  await Promise.all(system.bridges.map((b) => b.waitFor((e) => e.event === "zone_update_applied" && Number(e.revision) >= head, timeoutMs)));
  return nowMs() - started;
}

/**
 * API writes per second on local D1: each write creates a Service in a mesh
 * of its own ("tput"), so it is a real write (validation, journal row, zone
 * wake-up and push to every bridge) without touching the measured mesh.
 */
export async function measureThroughput(system: System, writes: number, round: string): Promise<Throughput> {
  // A fresh mesh per round, so each round starts from the same (empty) mesh.
  const mesh = `tput-${round}`;
  const res = await system.api("PUT", `/v1/meshes/${mesh}`, { kind: "Mesh", metadata: { name: mesh }, spec: {} });
  if (res.status !== 200 && res.status !== 201) throw new Error(`mesh ${mesh} refused: ${JSON.stringify(res.body)}`);
  const svc = (name: string): Resource => ({ kind: "Service", metadata: { name, mesh }, spec: { ports: [{ port: 80, protocol: "http" }] } });
  let t = nowMs();
  for (let i = 0; i < writes; i++) await system.write([svc(`seq-${i}`)]);
  const sequential = { writes, perSec: writes / ((nowMs() - t) / 1000) };
  const per = Math.ceil(writes / 8);
  t = nowMs();
  await Promise.all(Array.from({ length: 8 }, async (_, k) => {
    for (let i = 0; i < per; i++) await system.write([svc(`conc-${k}-${i}`)]);
  }));
  const concurrent8 = { writes: per * 8, perSec: (per * 8) / ((nowMs() - t) / 1000) };
  t = nowMs();
  for (let i = 0; i < writes; i++) await (await fetch(`${system.wrangler.url}/healthz`)).text();
  return { sequential, concurrent8, emptyRequestsPerSec: writes / ((nowMs() - t) / 1000) };
}
