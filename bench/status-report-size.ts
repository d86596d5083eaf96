/**
 * What reporting one revision's ACKs costs, before (one ProxyStatus per
 * proxy and type) and after (CurrentAt, src/xds-bridge/current-planner.ts),
 * for PROXIES proxies of 4 xDS types on one bridge: bytes on the zone
 * socket, and in the zone's SQLite the statements run and rows written.
 * The bridge side is the real tracker and planner; the zone side is the
 * real ProxyStatusTable and RevisionReachTable in a SQLite-backed Durable
 * Object under Miniflare, each frame handled as zone-object.ts does.
 *
 * Two kinds of revision: a route change (RDS pushed and ACKed, the other
 * types current without a push) and an endpoint change (the journal
 * revision stays, every type is reported again with a new time).
 *
 * @example node --import tsx bench/status-report-size.ts            # 1000 proxies
 * @example PROXIES=5000 node --import tsx bench/status-report-size.ts
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NodeSchema } from "../gen/envoy/config/core/v3/base_pb.js";
import { ROOT } from "../scripts/lib/processes.js";
import { AckState, BridgeMessageSchema, ProxyStatusSchema } from "../src/contract/zone-protocol/zone_pb.js";
import { CurrentPlanner, type CurrentAtPlan } from "../src/xds-bridge/current-planner.js";
import type { ProxyInfo } from "../src/xds-bridge/xds/proxy-callbacks.js";
import { ProxyTracker, type ProxyStatusRecord, type TrackerChanges } from "../src/xds-bridge/xds/proxy-tracker.js";
import { journalRevisionOf } from "../src/xds-bridge/xds/version-info.js";
import { table } from "./stats.js";

const PROXIES = Number(process.env.PROXIES ?? 1000);
const TYPES = ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"].map((t) => `type.googleapis.com/envoy.config.${t}`);
const [LDS, RDS, CDS, EDS] = TYPES as [string, string, string, string];

/** The zone object's handling of the two frames (zone-object.ts, onBridgeMessage), counting what SQLite did. */
const ZONE_ENTRY = `
import { fromBinary } from "@bufbuild/protobuf";
import { BridgeMessageSchema } from "./src/contract/zone-protocol/zone_pb.ts";
import { ProxyStatusTable, currentRows, namedProxies } from "./src/zone-do/proxy-status-table.ts";
import { RevisionReachTable } from "./src/zone-do/revision-reach.ts";
export class BenchZone {
  constructor(state) {
    this.cursors = [];
    const sql = state.storage.sql;
    this.sql = sql;
    this.statements = 0;
    const counting = { exec: (query, ...binds) => { this.statements++; const c = sql.exec(query, ...binds); this.cursors.push(c); return c; } };
    this.table = new ProxyStatusTable(counting);
    this.reach = new RevisionReachTable(counting);
    this.table.bridgeConnected("bridge-1", Date.now());
  }
  async fetch(request) {
    this.statements = 0;
    this.cursors = [];
    const msg = fromBinary(BridgeMessageSchema, new Uint8Array(await request.arrayBuffer()));
    if (msg.msg.case === "status") {
      this.table.recordReport("bridge-1", msg.msg.value, Date.now(), 1);
      this.reach.record(namedProxies([...new Set(msg.msg.value.proxies.map((p) => p.proxyId))]));
    } else if (msg.msg.case === "currentAt") {
      const rows = this.table.recordCurrent("bridge-1", 1, msg.msg.value, Date.now());
      if (rows.length > 0) this.reach.record(currentRows("bridge-1", 1, msg.msg.value));
    }
    const rowsWritten = this.cursors.reduce((n, c) => n + c.rowsWritten, 0);
    const check = this.table.proxies().map((p) => Math.min(...p.types.map((t) => t.revision)));
    const reached = this.sql.exec("SELECT count(*) AS g, coalesce(sum(proxies), 0) AS n, coalesce(sum(to_rev * proxies), 0) AS s FROM proxy_reach_groups").one();
    return Response.json({ statements: this.statements, rowsWritten, lowest: Math.min(...check), highest: Math.max(...check), reach: reached.n + " steps in " + reached.g + " groups, sum " + reached.s });
  }
}
export default { fetch() { return new Response("bench"); } };
`;

async function zoneObject(mf: Miniflare, name: string) {
  const ns = await mf.getDurableObjectNamespace("ZONE");
  const stub = ns.get(ns.idFromName(name));
  return async (frame: Uint8Array) => {
    const res = await stub.fetch("http://zone/", { method: "POST", body: frame });
    return (await res.json()) as { statements: number; rowsWritten: number; lowest: number; highest: number; reach: string };
  };
}

/** ZoneClient.report's mapping of one record (src/xds-bridge/zone-client.ts). */
function proxyStatus(s: ProxyStatusRecord) {
  return create(ProxyStatusSchema, {
    proxyId: s.proxyId, mesh: s.mesh, typeUrl: s.typeUrl, state: s.state === "NACK" ? AckState.NACK : AckState.ACK,
    revision: BigInt(journalRevisionOf(s.version)), errorDetail: s.errorDetail, atMs: BigInt(s.atMs),
    joinedRevision: BigInt(s.joinedRevision ?? 0), workload: s.workload ?? "", service: s.service ?? "",
  });
}

const statusFrame = (c: TrackerChanges) => toBinary(BridgeMessageSchema, create(BridgeMessageSchema, { msg: { case: "status", value: { proxies: c.statuses.map(proxyStatus), disconnected: c.disconnected } } }));
const currentFrame = ({ records: _r, ...c }: CurrentAtPlan) =>
  toBinary(BridgeMessageSchema, create(BridgeMessageSchema, { msg: { case: "currentAt", value: { ...c, revision: BigInt(c.revision), atMs: BigInt(c.atMs) } } }));

interface Row extends Record<string, string | number> {
  revision: string;
  form: string;
  frames: number;
  bytes: number;
  statuses: number;
  statements: number;
  rowsWritten: number;
  /** What the zone holds afterwards, to show both forms leave the same: lowest..highest revision of a proxy, and its reach steps. */
  zoneAfter: string;
}

/** One bridge of PROXIES proxies, reported either way; returns a row per revision. */
async function run(mf: Miniflare, compact: boolean): Promise<Row[]> {
  const send = await zoneObject(mf, compact ? "after" : "before");
  let now = 1_000;
  const tracker = new ProxyTracker(() => now, () => 1);
  const planner = new CurrentPlanner(500, () => now);
  const proxies: ProxyInfo[] = Array.from({ length: PROXIES }, (_, i) => ({
    id: `proxy-${String(i).padStart(5, "0")}.default.svc`, mesh: "default", streamId: i + 1,
    node: create(NodeSchema, { id: `proxy-${i}`, metadata: { service: `svc-${i % 50}` } }),
  }));
  /** Drains the tracker, encodes what the bridge would send and has the zone handle it. */
  const beat = async (label: string): Promise<Row> => {
    const changes = tracker.drainChanges();
    const plan = compact ? planner.plan(changes, true) : { detailed: changes, current: [] };
    const frames = [...(plan.detailed.statuses.length > 0 ? [statusFrame(plan.detailed)] : []), ...plan.current.map(currentFrame)];
    const row: Row = { revision: label, form: compact ? "CurrentAt" : "ProxyStatus", frames: frames.length, bytes: 0, statuses: plan.detailed.statuses.length, statements: 0, rowsWritten: 0, zoneAfter: "" };
    for (const f of frames) {
      const out = await send(f);
      row.bytes += f.byteLength;
      row.statements += out.statements;
      row.rowsWritten += out.rowsWritten;
      row.zoneAfter = `${out.lowest}..${out.highest}, ${out.reach}`;
    }
    return row;
  };
  for (const p of proxies) {
    tracker.onStreamOpen(p);
    for (const t of TYPES) {
      tracker.onResponse(p, t, "1.0.0");
      tracker.onAck(p, t, "1.0.0");
    }
  }
  const rows = [await beat("1 first report")];
  now += 1_000;
  for (const p of proxies) {
    for (const t of [LDS, CDS, EDS]) tracker.onCurrent(p, t, "2.0.0");
    tracker.onResponse(p, RDS, "2.0.0");
    tracker.onAck(p, RDS, "2.0.0");
  }
  rows.push(await beat("2a route change"));
  now += 1_000;
  for (const p of proxies) {
    for (const t of [LDS, RDS, CDS]) tracker.onCurrent(p, t, "2.1.0");
    tracker.onResponse(p, EDS, "2.1.0");
    tracker.onAck(p, EDS, "2.1.0");
  }
  rows.push(await beat("2b endpoint change"));
  now += 1_000;
  // One proxy refuses the next change: it goes in full, the others as "all but it".
  proxies.forEach((p, i) => {
    for (const t of [LDS, CDS, EDS]) tracker.onCurrent(p, t, "3.1.0");
    tracker.onResponse(p, RDS, "3.1.0");
    if (i === 0) tracker.onNack(p, RDS, "2.1.0", "3.1.0", "invalid regex");
    else tracker.onAck(p, RDS, "3.1.0");
  });
  rows.push(await beat("3 route change, 1 NACK"));
  return rows;
}

const script = (await build({ stdin: { contents: ZONE_ENTRY, resolveDir: ROOT, loader: "js" }, bundle: true, format: "esm", write: false, platform: "neutral", mainFields: ["module", "main"] })).outputFiles[0]!.text;
const mf = new Miniflare({ modules: true, script, compatibilityDate: "2025-04-01", durableObjects: { ZONE: { className: "BenchZone", useSQLite: true } } });
try {
  const rows = [...(await run(mf, false)), ...(await run(mf, true))].sort((a, b) => a.revision.localeCompare(b.revision) || b.form.localeCompare(a.form));
  process.stdout.write(`${PROXIES} proxies x ${TYPES.length} types on one bridge\n${table(rows)}\n`);
  const dir = join(ROOT, "bench", "results");
  await mkdir(dir, { recursive: true });
  const out = join(dir, "status-report-size.json");
  await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), proxies: PROXIES, types: TYPES.length, rows }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await mf.dispose();
}
