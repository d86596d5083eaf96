/**
 * Sequential API write throughput against what wrangler dev answers with no
 * work at all (issue 13: writes should reach half the empty-request rate).
 * One wrangler dev (local D1 and Durable Objects, started as
 * scripts/lib/processes.ts starts it for `npm start`, the e2e tests and the
 * full bench); measured first with no bridge connected, then with
 * `--bridges N` zones, each with a bridge:
 *
 * - empty: sequential GET /healthz (the full bench's "empty request")
 * - read: sequential GETs of one Service (a token check and one D1 read)
 * - service: sequential PUTs creating a Service each (as bench/system.ts's
 *   throughput measurement)
 * - route: sequential PUTs of one HTTPRoute, its weights changed each time
 *
 * Per request: the client's sent -> answered time, and the Worker's own
 * breakdown from its Server-Timing header (src/api/server-timing.ts).
 *
 *   node --import tsx bench/write-rate.ts [--writes 200] [--bridges 4] [--label before]
 *
 * Prints a table and writes bench/results/write-rate[.label].json.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { adminHeaders } from "../scripts/lib/api-caller.js";
import { freePort } from "../scripts/lib/ports.js";
import { startBridge, startWrangler, type Wrangler } from "../scripts/lib/processes.js";
import { Teardown } from "../scripts/lib/teardown.js";
import { issueZoneTokenFile } from "../scripts/lib/zone-token.js";
import type { Resource } from "../src/contract/resource-types.js";
import { writeResult, type Measure } from "./result-file.js";
import { table } from "./stats.js";

const { values } = parseArgs({
  options: { writes: { type: "string", default: "200" }, bridges: { type: "string", default: "4" }, label: { type: "string" } },
});
const writes = Number(values.writes);
const bridgeCount = Number(values.bridges);
const MESH = "rate";

interface Sample {
  ms: number;
  /** Server-Timing phases, ms. */
  phases: Record<string, number>;
}

/** One request, timed from before it is sent to its body read. */
async function timed(w: Wrangler, method: string, path: string, body?: unknown, expect = [200, 201]): Promise<Sample> {
  const headers: Record<string, string> = path === "/healthz" ? {} : { ...adminHeaders(w), ...(body === undefined ? {} : { "content-type": "application/json" }) };
  const start = performance.now();
  const res = await fetch(`${w.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  const ms = performance.now() - start;
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  const phases: Record<string, number> = {};
  for (const part of (res.headers.get("server-timing") ?? "").split(",")) {
    const m = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (m) phases[m[1]!] = Number(m[2]);
  }
  return { ms, phases };
}

const service = (name: string): Resource => ({ kind: "Service", metadata: { name, mesh: MESH }, spec: { ports: [{ port: 80, protocol: "http" }] } });
const route = (weight: number): Resource => ({
  kind: "HTTPRoute",
  metadata: { name: "split", mesh: MESH },
  spec: { parentRefs: [{ name: "front", port: 80 }], rules: [{ backendRefs: [{ name: "front", weight }, { name: "back", weight: 100 - weight }] }] },
});

const WHATS = ["empty", "read", "service", "route"] as const;
type What = (typeof WHATS)[number];

interface Round {
  samples: Record<What, Sample[]>;
  perSec: Record<What, number>;
}

/** `n` sequential calls of `one`; their samples and the rate over the whole run. */
async function sequential(n: number, one: (i: number) => Promise<Sample>): Promise<{ samples: Sample[]; perSec: number }> {
  // A few unmeasured first: the isolate's first calls compile and open connections.
  for (let i = 0; i < 5; i++) await one(-1 - i);
  const samples: Sample[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) samples.push(await one(i));
  return { samples, perSec: n / ((performance.now() - start) / 1000) };
}

async function round(w: Wrangler, tag: string): Promise<Round> {
  const empty = await sequential(writes, () => timed(w, "GET", "/healthz"));
  const read = await sequential(writes, () => timed(w, "GET", `/v1/meshes/${MESH}/services/front`));
  const svc = await sequential(writes, (i) => {
    const name = `${tag}-${i < 0 ? `warm${-i}` : i}`;
    return timed(w, "PUT", `/v1/meshes/${MESH}/services/${name}`, service(name));
  });
  const rt = await sequential(writes, (i) => timed(w, "PUT", `/v1/meshes/${MESH}/httproutes/split`, route(1 + ((i + 1000) % 98))));
  return {
    samples: { empty: empty.samples, read: read.samples, service: svc.samples, route: rt.samples },
    perSec: { empty: empty.perSec, read: read.perSec, service: svc.perSec, route: rt.perSec },
  };
}

const started = new Teardown();
const rounds: Record<string, Round> = {};
try {
  const dir = started.add(await mkdtemp(join(tmpdir(), "edgeplane-write-rate-")), (d) => rm(d, { recursive: true, force: true }));
  const w = started.add(await startWrangler({ port: await freePort(), stateDir: join(dir, "state") }), (x) => x.stop());
  await timed(w, "PUT", `/v1/meshes/${MESH}`, { kind: "Mesh", metadata: { name: MESH }, spec: {} });
  for (const name of ["front", "back"]) await timed(w, "PUT", `/v1/meshes/${MESH}/services/${name}`, service(name));
  rounds["0 bridges"] = await round(w, "alone");
  if (bridgeCount > 0) {
    for (let i = 0; i < bridgeCount; i++) {
      const zone = `zone-${String.fromCharCode(97 + i)}`;
      const token = await issueZoneTokenFile(w, zone, join(dir, `${zone}.token`));
      started.add(
        await startBridge({ zone, controlPlane: w.url, adsPort: await freePort(), cacheDir: join(dir, `cache-${zone}`), extraArgs: ["--token-file", token.file] }),
        (b) => b.stop(),
      );
    }
    rounds[`${bridgeCount} bridges`] = await round(w, "bridged");
  }
} finally {
  await started.run();
}

const rateRows = Object.entries(rounds).map(([name, r]) => ({
  round: name,
  "empty/s": r.perSec.empty,
  "read GET/s": r.perSec.read,
  "service PUT/s": r.perSec.service,
  "route PUT/s": r.perSec.route,
  "service / empty": r.perSec.service / r.perSec.empty,
  "route / empty": r.perSec.route / r.perSec.empty,
}));
process.stdout.write(`${table(rateRows)}\n\n`);
const measures: Record<string, Measure> = {};
for (const [name, r] of Object.entries(rounds)) {
  const slug = name.replace(/\s+/g, "-");
  for (const what of WHATS) {
    const samples = r.samples[what];
    measures[`${slug}.${what}`] = { measure: `${name}: ${what} sent -> answered (ms)`, samples: samples.map((s) => s.ms) };
    if (what === "empty") continue;
    const phases = [...new Set(samples.flatMap((s) => Object.keys(s.phases)))];
    for (const p of phases) measures[`${slug}.${what}.${p}`] = { measure: `${name}: ${what} Server-Timing ${p} (ms)`, samples: samples.map((s) => s.phases[p] ?? 0) };
    // What the client waited beyond the app's own total: wrangler dev's proxy, the runtime, the sockets.
    if (phases.includes("total")) measures[`${slug}.${what}.outside`] = { measure: `${name}: ${what} outside the app (ms)`, samples: samples.map((s) => s.ms - (s.phases.total ?? 0)) };
  }
}
await writeResult(values.label ? `write-rate.${values.label}` : "write-rate", { writes, bridges: bridgeCount, rates: rateRows }, measures);
process.exit(0);
