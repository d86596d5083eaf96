/**
 * What one bridge report costs the zone object (issue 13): a CurrentAt
 * ("all proxies of the mesh on this socket are ACKed at R") and a
 * StatusReport (one ProxyStatus per proxy and type), for PROXIES x 4 types,
 * handled by the zone's own code (src/zone-do/report-intake.ts: record the
 * rows, publish the proxy events to a real EventHub, note revision reach) in
 * a SQLite-backed Durable Object under Miniflare. Every report moves every
 * proxy one revision on, as a change does in the full bench; the zone is
 * warmed up first so the reach history is at its bound (steady state).
 *
 * Modes, so the parts can be told apart by difference:
 * - decode: the frame decoded only (the request's own overhead)
 * - no-events: the intake with events dropped
 * - full: the intake, events to the hub (no client following)
 * - full+sse: the same with one client following the mesh's stream
 *
 * Per report: wall time from Node (the request sent -> answered), and
 * workerd's CPU time (utime + stime of Miniflare's workerd child, from
 * /proc, over all measured reports, divided by their number).
 *
 *   node --import tsx bench/zone-report-cost.ts [--proxies 250,1000] [--reports 40] [--label before]
 *
 * Prints tables and writes bench/results/zone-report-cost[.label].json.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { request, type ClientRequest } from "node:http";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/lib/processes.js";
import { AckState, BridgeMessageSchema } from "../src/contract/zone-protocol/zone_pb.js";
import { childPids, readProc } from "./metrics.js";
import { writeResult, type Measure } from "./result-file.js";
import { table } from "./stats.js";

const { values } = parseArgs({
  options: { proxies: { type: "string", default: "250,1000" }, reports: { type: "string", default: "40" }, label: { type: "string" } },
});
const SIZES = values.proxies.split(",").map(Number);
const REPORTS = Number(values.reports);
const TYPES = ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"].map((t) => `type.googleapis.com/envoy.config.${t}`);
const MODES = ["decode", "no-events", "full", "full+sse"] as const;
type Mode = (typeof MODES)[number];
const MESH = "default";

/** The zone side: one object per run, the intake as zone-object.ts builds it. */
const ZONE_ENTRY = `
import { fromBinary } from "@bufbuild/protobuf";
import { BridgeMessageSchema } from "./src/contract/zone-protocol/zone_pb.ts";
import { publishEvents } from "./src/events/publish.ts";
import { ProxyStatusTable } from "./src/zone-do/proxy-status-table.ts";
import { ReportIntake } from "./src/zone-do/report-intake.ts";
import { RevisionReachTable } from "./src/zone-do/revision-reach.ts";
export { EventHub } from "./src/events/event-hub.ts";
export class BenchZone {
  constructor(state, env) {
    this.sql = state.storage.sql;
    this.table = new ProxyStatusTable(this.sql);
    this.reach = new RevisionReachTable(this.sql);
    this.pending = [];
    this.events = true;
    this.intake = new ReportIntake(this.table, this.reach, (events) => { if (this.events) this.pending.push(publishEvents(env, events)); });
    this.table.bridgeConnected("bridge-1", Date.now());
  }
  async fetch(request) {
    const mode = new URL(request.url).searchParams.get("mode");
    const msg = fromBinary(BridgeMessageSchema, new Uint8Array(await request.arrayBuffer()));
    if (mode !== "decode") {
      this.events = mode !== "no-events";
      if (msg.msg.case === "status") this.intake.status("west", "bridge-1", 1, msg.msg.value, Date.now());
      else if (msg.msg.case === "currentAt") this.intake.current("west", "bridge-1", 1, msg.msg.value, Date.now());
      // The zone object leaves publishing to waitUntil; its work is on the same thread either way.
      await Promise.all(this.pending.splice(0));
    }
    // Rows of revision reach: per proxy's step before issue 13, per group after.
    const reachTable = this.sql.exec("SELECT name FROM sqlite_master WHERE name IN ('proxy_reach', 'proxy_reach_groups')").one().name;
    return Response.json({ reach: this.sql.exec("SELECT count(*) AS n FROM " + reachTable).one().n });
  }
}
// The event stream over a real socket: a client that hangs up is then seen to go (a Node fetch through Miniflare's dispatch is not).
export default { fetch(request, env) { return env.EVENTS.get(env.EVENTS.idFromName("events")).fetch(request); } };
`;

function statusFrame(proxies: number, revision: number, atMs: number): Uint8Array {
  const statuses = [];
  for (let i = 0; i < proxies; i++) {
    const proxyId = `proxy-${String(i).padStart(5, "0")}.default.svc`;
    for (const typeUrl of TYPES) {
      statuses.push({ proxyId, mesh: MESH, typeUrl, state: AckState.ACK, revision: BigInt(revision), atMs: BigInt(atMs), service: `svc-${i % 50}` });
    }
  }
  return toBinary(BridgeMessageSchema, create(BridgeMessageSchema, { msg: { case: "status", value: { proxies: statuses } } }));
}

const currentFrame = (revision: number, atMs: number) =>
  toBinary(BridgeMessageSchema, create(BridgeMessageSchema, { msg: { case: "currentAt", value: { revision: BigInt(revision), mesh: MESH, atMs: BigInt(atMs), proxyIds: [], allExcept: true } } }));

/** Miniflare's workerd process: the child of this one named workerd. */
function workerdPid(): number {
  const [pid] = childPids(process.pid, "workerd");
  if (pid === undefined) throw new Error("no workerd child found");
  return pid;
}

/** utime + stime of `pid` in ms. */
function cpuMs(pid: number): number {
  const s = readProc(pid);
  if (!s) throw new Error(`workerd ${pid} is gone`);
  return s.cpuSec * 1000;
}

const script = (await build({
  stdin: { contents: ZONE_ENTRY, resolveDir: ROOT, loader: "js" }, bundle: true, format: "esm", write: false, platform: "neutral",
  mainFields: ["module", "main"], external: ["cloudflare:workers"],
})).outputFiles[0]!.text;
interface CpuRow extends Record<string, string | number> {
  report: string;
  mode: string;
  wallP50: number;
  cpuMsPerReport: number;
  reachRows: number;
  /** Event-stream clients the hub still lists after the one of full+sse hung up and more events went out. */
  listenersLeft: number;
}

/** One kind of report in one mode, in a Miniflare of its own (a run's leftovers, such as a stream client the hub still lists, cannot tax the next). */
async function run(proxies: number, kind: "currentAt" | "status", mode: Mode): Promise<{ row: CpuRow; wall: number[] }> {
  const mf = new Miniflare({
    modules: true, script, compatibilityDate: "2025-04-01",
    durableObjects: { ZONE: { className: "BenchZone", useSQLite: true }, EVENTS: "EventHub" },
  });
  try {
    const url = await mf.ready;
    const pid = workerdPid();
    const zones = await mf.getDurableObjectNamespace("ZONE");
    const hubs = await mf.getDurableObjectNamespace("EVENTS");
    const zone = zones.get(zones.idFromName("zone"));
    // Miniflare's stubs are untyped for RPC: the hub's is src/env.ts's EventHubRpc.
    const hub = hubs.get(hubs.idFromName("events")) as unknown as { stats(): Promise<{ listeners: number }> };
    let revision = 1;
    let atMs = 1_000_000;
    const send = async (frame: Uint8Array, m: Mode = mode) => {
      const res = await zone.fetch(`http://zone/?mode=${m === "decode" ? "decode" : m === "no-events" ? "no-events" : "full"}`, { method: "POST", body: frame });
      return (await res.json()) as { reach: number };
    };
    const next = () => {
      revision++;
      atMs += 1_000;
      return kind === "status" ? statusFrame(proxies, revision, atMs) : currentFrame(revision, atMs);
    };
    // Every proxy reported in full on the socket first (what a CurrentAt follows), then enough
    // changes that the reach history is at its bound.
    await send(statusFrame(proxies, revision, atMs), "no-events");
    const warmup = Math.max(5, Math.ceil(25_000 / proxies));
    for (let i = 0; i < warmup; i++) await send(next(), mode === "decode" ? "no-events" : mode);
    let client: ClientRequest | undefined;
    if (mode === "full+sse") {
      const c = request(new URL(`/?mesh=${MESH}`, url));
      client = c;
      await new Promise<void>((resolve, reject) => {
        c.on("response", (res) => {
          res.on("data", () => undefined);
          resolve();
        });
        c.on("error", reject);
        c.end();
      });
      while ((await hub.stats()).listeners === 0) await new Promise((r) => setTimeout(r, 10));
    }
    const frames = Array.from({ length: REPORTS }, next);
    const wall: number[] = [];
    let reach = 0;
    const cpuBefore = cpuMs(pid);
    for (const f of frames) {
      const start = performance.now();
      reach = (await send(f)).reach;
      wall.push(performance.now() - start);
    }
    const cpu = (cpuMs(pid) - cpuBefore) / REPORTS;
    client?.destroy();
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 3; i++) await send(next(), "full");
    const listenersLeft = (await hub.stats()).listeners;
    const p50 = [...wall].sort((a, b) => a - b)[Math.floor(wall.length / 2)]!;
    return { row: { report: `${kind} ${proxies}x${TYPES.length}`, mode, wallP50: p50, cpuMsPerReport: cpu, reachRows: reach, listenersLeft }, wall };
  } finally {
    await mf.dispose();
  }
}

const measures: Record<string, Measure> = {};
const cpuRows: CpuRow[] = [];
for (const proxies of SIZES) {
  for (const kind of ["currentAt", "status"] as const) {
    for (const mode of MODES) {
      const { row, wall } = await run(proxies, kind, mode);
      measures[`${kind}-${proxies}-${mode}`] = { measure: `${kind} ${proxies}x${TYPES.length} ${mode} wall ms`, samples: wall };
      cpuRows.push(row);
    }
  }
}
process.stdout.write(`${table(cpuRows)}\n\n`);
await writeResult(values.label ? `zone-report-cost.${values.label}` : "zone-report-cost", { reports: REPORTS, types: TYPES.length, cpu: cpuRows }, measures);
