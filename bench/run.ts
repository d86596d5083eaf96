/**
 * `npm run bench`: propagation latency, fan-out cost and memory of
 * Edgeplane at N proxies, against a naive baseline in the same run, with
 * the physical floor of fan-out. See bench/README.md for what each figure
 * means and how it is measured.
 *
 *   node --import tsx bench/run.ts [--proxies 1000] [--zones 4] [--services 1000]
 *     [--changes 50] [--mode delta|sotw] [--quick] [--naive-changes 8]
 *     [--workers 4] [--profile] [--out bench/results/latest.json]
 *
 * Prints a table (progress on stderr) and writes the JSON to --out.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/lib/processes.js";
import { Teardown } from "../scripts/lib/teardown.js";
import { journalRevisionOf } from "../src/xds-bridge/xds/version-info.js";
import { Fleet } from "./fleet.js";
import { nowMs, spawnChild, type ChildHandle } from "./ipc.js";
import { changePlan, HUB, simProxies, type Change, type Sizes } from "./mesh.js";
import type { Tracked } from "./metrics.js";
import type { NaiveApi } from "./naive-server.js";
import { runLab, runPhase } from "./phases.js";
import { profilerOn, type InspectorProfiler } from "./inspector-profile.js";
import { summarizeProfile } from "./profile.js";
import { judgeTargets, Progress, renderReport, type BenchReport } from "./report.js";
import { bridgesCaughtUp, measureThroughput, startSystem } from "./system.js";
import { hopSample, settledTrace } from "./trace-hops.js";
import type { Mode } from "./sim-proxy.js";
import type { XdsClientApi } from "./xds-client.js";

const { values } = parseArgs({
  options: {
    proxies: { type: "string" },
    zones: { type: "string" },
    services: { type: "string" },
    changes: { type: "string" },
    mode: { type: "string", default: "delta" },
    quick: { type: "boolean", default: false },
    "naive-changes": { type: "string" },
    workers: { type: "string" },
    profile: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "results", "latest.json") },
  },
});
const quick = values.quick === true;
const int = (v: string | undefined, dflt: number, name: string): number => {
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
};
const sizes: Sizes = {
  zones: int(values.zones, quick ? 2 : 4, "zones"),
  proxies: int(values.proxies, quick ? 100 : 1000, "proxies"),
  services: int(values.services, quick ? 100 : 1000, "services"),
  changes: int(values.changes, quick ? 10 : 50, "changes"),
};
if (sizes.services < 10) throw new Error("--services must be at least 10");
if (values.mode !== "sotw" && values.mode !== "delta") throw new Error("--mode must be sotw or delta");
const mode: Mode = values.mode;
// A full-world push to every proxy costs seconds per change at 1,000
// proxies, so the baseline gets the first few changes of the same plan.
const naiveChanges = Math.min(sizes.changes, int(values["naive-changes"], quick ? 4 : 8, "naive-changes"));
const workers = int(values.workers, quick ? 2 : 4, "workers");
const XDS_CLIENTS = Math.min(3, sizes.zones * 3);
const started = nowMs();

const progress = new Progress(11 + sizes.changes + naiveChanges + 4 * (quick ? 2 : 5));
const cleanups = new Teardown();
// The run's own outcome is what gets reported; a process that fails to stop cannot change it.
const cleanup = (): Promise<void> => cleanups.run().catch(() => {});
// Bounded: whatever happens, the run and everything it started end.
const watchdog = setTimeout(() => {
  process.stderr.write("\nbench: over the time limit, stopping\n");
  void cleanup().then(() => process.exit(1));
}, (quick ? 5 : 15) * 60_000);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void cleanup().then(() => process.exit(130)));

async function main(): Promise<BenchReport> {
  const { system, startup } = await startSystem(sizes, { onStep: (s) => progress.step(`setup: ${s}`, 0), inspect: values.profile === true });
  cleanups.defer(() => system.stop());
  progress.step(`setup: ${startup.documents} documents in ${startup.bundles} bundles, ${(startup.applyMs / 1000).toFixed(1)} s`);
  // Twice: the API and zones alone, then with every write also pushed to the bridges.
  const writes = quick ? 40 : 200;
  const alone = await measureThroughput(system, writes, "alone");
  progress.step(`API without bridges: ${alone.sequential.perSec.toFixed(0)} writes/s sequential, ${alone.concurrent8.perSec.toFixed(0)} with 8 concurrent`);
  startup.bridgesMs = await system.startBridges();
  const withBridges = await measureThroughput(system, writes, "bridged");
  // Nothing may still be in flight when "at rest" is measured.
  const catchUpMs = await bridgesCaughtUp(system, 180_000);
  progress.step(`API with ${sizes.zones} bridges: ${withBridges.sequential.perSec.toFixed(0)} writes/s sequential, ${withBridges.concurrent8.perSec.toFixed(0)} with 8 concurrent; bridges caught up ${(catchUpMs / 1000).toFixed(1)} s later`);
  const throughput = { alone, withBridges, bridgesCatchUpMs: catchUpMs };

  const fleet = new Fleet(workers);
  cleanups.defer(() => fleet.stop());
  const specs = simProxies(sizes);
  const zoneIndex = (zone: string) => system.zones.indexOf(zone);
  const perZone = Math.ceil(sizes.proxies / sizes.zones);
  const write = (c: Change) => system.write(c.docs);

  // grpc-js-xds clients, one process each, on the first bridges; they must call the echo backend first.
  const clients: { id: string; zone: string; handle: ChildHandle<XdsClientApi, never> }[] = [];
  const realism: BenchReport["realism"] = [];
  const realismMeshWideAckMs: number[] = [];
  const bridgeAppliedMs: number[] = [];
  // With --profile: the Worker and each bridge, over our changes alone.
  let profiles: BenchReport["profile"];
  let profilers: { name: string; p: InspectorProfiler }[] = [];
  const ours = await runPhase({
    server: "ours",
    mode,
    fleet,
    specs,
    addressOf: (p) => system.bridges[zoneIndex(p.zone)]!.adsAddress,
    tracked: [...system.tracked(perZone), fleet.tracked()],
    restSec: quick ? 2 : 5,
    plan: changePlan(sizes, 0),
    write,
    async trace(change) {
      // The last document is the one whose revision the write answered (apply: the bundle's last).
      const t = await settledTrace(system.api, change.docs.at(-1)!, sizes.zones, 1, 3_000);
      return t && hopSample(t);
    },
    settleTimeoutMs: 30_000,
    progress,
    async changesStart() {
      if (!values.profile) return;
      profilers = await Promise.all(system.inspectors.map(async (i) => ({ name: i.name, p: await profilerOn(await i.session()) })));
      await Promise.all(profilers.map((x) => x.p.start()));
    },
    async changesEnd() {
      if (profilers.length === 0) return;
      profiles = {};
      // The raw profiles too, for DevTools (Performance > Load profile); not committed (.gitignore).
      const dir = join(dirname(values.out!), "profiles");
      await mkdir(dir, { recursive: true });
      for (const x of profilers) {
        const profile = await x.p.stop();
        profiles[x.name] = summarizeProfile(profile, 15);
        await writeFile(join(dir, `${x.name.replace(/\W+/g, "-")}.cpuprofile`), JSON.stringify(profile));
      }
    },
    async connected() {
      for (let i = 0; i < XDS_CLIENTS; i++) {
        const zone = system.zones[i % system.zones.length]!;
        const id = `xds-client-${i}`;
        const handle = spawnChild<XdsClientApi>(join(ROOT, "bench", "xds-client.ts"), [system.bridges[i % system.zones.length]!.adsAddress, id, HUB], id);
        cleanups.defer(() => handle.stop());
        clients.push({ id, zone, handle });
      }
      for (const c of clients) {
        const r = await c.handle.call("call", { timeoutMs: 30_000 });
        realism.push({ id: c.id, zone: c.zone, backend: r.backend, ms: r.ms, ...(r.error ? { error: r.error } : {}) });
        if (!r.backend) throw new Error(`${c.id} could not call ${HUB} through the mesh: ${r.error}`);
      }
      progress.step(`ours: ${clients.length} grpc-js-xds clients called ${HUB}`);
    },
    settled(change, revision, sentAt) {
      // When each bridge had translated and published it (logged after publish), from its log.
      const applied = system.bridges.map((b) => b.events.find((e) => e.event === "zone_update_applied" && Number(e.revision) >= revision)?.t ?? NaN);
      bridgeAppliedMs.push(Math.max(...applied) - sentAt);
      if (change.kind !== "mesh-wide") return;
      for (const c of clients) {
        const b = system.bridges[system.zones.indexOf(c.zone)]!;
        const ack = b.events.find((e) => e.event === "ack" && e.proxy === c.id && String(e.type).endsWith(".ClusterLoadAssignment") && journalRevisionOf(String(e.version)) >= revision);
        realismMeshWideAckMs.push(ack ? ack.t - sentAt : NaN);
      }
    },
  });
  // Our phase's figures on their own, before the baseline runs: at 10,000
  // proxies the naive full push may not finish at all on this machine.
  await mkdir(dirname(values.out!), { recursive: true });
  await writeFile(values.out!.replace(/\.json$/, ".ours.json"), `${JSON.stringify({ at: new Date().toISOString(), sizes, mode, ours }, null, 2)}\n`);
  for (const [i, c] of clients.entries()) {
    const r = await c.handle.call("call", { timeoutMs: 10_000 });
    realism[i]!.after = r.backend || `FAILED (${r.error})`;
    await c.handle.stop();
  }
  const bridgeEventsAtRest: Record<string, number> = {};
  for (const b of system.bridges) {
    for (const e of b.events) if (e.t >= ours.restWindow.from && e.t <= ours.restWindow.to) bridgeEventsAtRest[e.event] = (bridgeEventsAtRest[e.event] ?? 0) + 1;
  }
  const oursDigests = await fleet.digests();
  await fleet.disconnect();
  await system.stopBridges();
  progress.step("ours: done; bridges stopped");

  // The baseline: one naive server per zone, loaded from the API now, told each change after its write.
  const naive = system.zones.map((z) => spawnChild<NaiveApi>(join(ROOT, "bench", "naive-server.ts"), [z, system.wrangler.url, system.wrangler.adminToken], `naive ${z}`));
  cleanups.defer(async () => void (await Promise.all(naive.map((n) => n.stop()))));
  const naiveAddresses = await Promise.all(naive.map(async (n) => (await n.call("listen", null)).address));
  await Promise.all(naive.map((n) => n.call("load", null)));
  const naiveTracked: Tracked[] = [
    ...naive.map((n, i) => ({ name: `naive ${system.zones[i]}`, proxies: perZone, sample: async () => {
      const u = await n.call("usage", null);
      return { cpuSec: u.cpuUs / 1e6, rssBytes: u.rssBytes };
    } })),
    ...system.tracked(perZone).filter((t) => !t.name.startsWith("bridge")),
    fleet.tracked(),
  ];
  let identicalConfig = { compared: 0, identical: 0 };
  const naiveReport = await runPhase({
    server: "naive",
    mode,
    fleet,
    specs,
    addressOf: (p) => naiveAddresses[zoneIndex(p.zone)]!,
    tracked: naiveTracked,
    restSec: quick ? 2 : 5,
    plan: changePlan(sizes, 1, naiveChanges),
    write,
    async afterWrite(change, revision) {
      await Promise.all(naive.map((n) => n.call("apply", { docs: change.docs, revision })));
    },
    async connected() {
      // Same state in, same configuration out: the proxies must hold exactly what the bridges gave them.
      const d = await fleet.digests();
      const ids = Object.keys(oursDigests);
      identicalConfig = { compared: ids.length, identical: ids.filter((id) => d[id] === oursDigests[id]).length };
    },
    settleTimeoutMs: 180_000,
    progress,
  });
  await fleet.disconnect();
  await Promise.all(naive.map((n) => n.stop()));
  progress.step("naive: done");

  const lab = await runLab({ sizes, mode, fleet, specs, hubBackends: system.backends.map((b) => ({ host: "127.0.0.1", port: b.port })), zone: system.zones[0]!, reps: quick ? 2 : 5, progress });
  await cleanup();
  const partial = { at: new Date().toISOString(), args: { sizes, mode, workers, naiveChanges, quick }, startup, throughput, realism, realismMeshWideAckMs, bridgeAppliedMs, bridgeEventsAtRest, identicalConfig, ours, naive: naiveReport, lab };
  const report: BenchReport = { ...partial, targets: judgeTargets(partial), wallSec: (nowMs() - started) / 1000 };
  if (profiles) report.profile = profiles;
  return report;
}


try {
  const report = await main();
  progress.end();
  const text = renderReport(report);
  process.stdout.write(`${text}\n`);
  await mkdir(dirname(values.out!), { recursive: true });
  const json = { ...report, ours: stripSamples(report.ours), naive: stripSamples(report.naive) };
  await writeFile(values.out!, `${JSON.stringify(json, (_k, v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v), 2)}\n`);
  process.stdout.write(`wrote ${values.out}\n`);
  clearTimeout(watchdog);
  process.exit(0);
} catch (err) {
  progress.end();
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanup();
  process.exit(1);
}

/** The raw per-proxy latencies are summarized in the JSON, not listed. */
function stripSamples(p: BenchReport["ours"]): BenchReport["ours"] {
  return { ...p, changes: p.changes.map(({ ackMs: _ackMs, ...rest }) => ({ ...rest, ackMs: [] })) };
}

