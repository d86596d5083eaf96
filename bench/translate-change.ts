/**
 * In-process micro-benchmark of the bridge's "zone update received ->
 * translated" step (no servers, no streams): the benchmark's mesh (bench/mesh.ts)
 * fed to a real ZoneMirror, EndpointMirror and SnapshotPublisher (with a real
 * SnapshotCache), then one-service changes of the full benchmark's four
 * kinds, timing per kind (a) the mirror's apply, (b) publish up to
 * hooks.translated(), (c) the whole publish. (a) + (b) is the trace's
 * "bridge received -> translated" hop.
 *
 * The journal holds the Services, routes, the policy and the local zone's
 * workloads; the other zones' workloads come in the endpoint set, which is
 * where "workload unhealthy" changes one (the zone sends the whole set).
 *
 *   node --import tsx bench/translate-change.ts [services=1000] [changes=50] [zones=4]
 *   BENCH_NAME=translate-change.after node --import tsx bench/translate-change.ts
 */
import { create } from "@bufbuild/protobuf";
import { EMPTY_CHECKSUM, xorEntry } from "../src/contract/checksum.js";
import { keyString, resourceKey, type Resource } from "../src/contract/resource-types.js";
import { EndpointSetSchema, ZoneUpdateSchema, type EndpointSet, type ZoneUpdate } from "../src/contract/zone-protocol/zone_pb.js";
import { EndpointMirror } from "../src/xds-bridge/endpoint-mirror.js";
import { SnapshotPublisher } from "../src/xds-bridge/snapshot-publisher.js";
import { SnapshotCache } from "../src/xds-bridge/xds/snapshot-cache.js";
import { ZoneMirror } from "../src/xds-bridge/zone-mirror.js";
import { CHANGE_KINDS, changePlan, meshBundles, zoneName, type ChangeKind, type Sizes } from "./mesh.js";
import { writeResult, type Measure } from "./result-file.js";

const services = Number(process.argv[2] ?? 1000);
const changes = Number(process.argv[3] ?? 50);
const zones = Number(process.argv[4] ?? 4);
const LOCAL = zoneName(0);
const sizes: Sizes = { zones, proxies: 1000, services, changes };

const encoder = new TextEncoder();
const wire = (r: Resource, revision: number) => ({ kind: r.kind, mesh: r.metadata.mesh ?? "", name: r.metadata.name, revision: BigInt(revision), document: encoder.encode(JSON.stringify(r)) });
const isRemote = (r: Resource) => r.kind === "Workload" && r.spec.zone !== LOCAL;

// The zone's side: its journal (revision, checksum) and its endpoint layer.
let revision = 0;
let checksum = EMPTY_CHECKSUM;
const revisions = new Map<string, number>();
function update(docs: Resource[], snapshot = false): ZoneUpdate {
  const from = revision;
  const upserts = docs.map((d) => {
    const key = resourceKey(d);
    const old = revisions.get(keyString(key));
    if (old !== undefined) checksum = xorEntry(checksum, key, old);
    revision += 1;
    checksum = xorEntry(checksum, key, revision);
    revisions.set(keyString(key), revision);
    return wire(d, revision);
  });
  return create(ZoneUpdateSchema, { revision: BigInt(revision), fromRevision: BigInt(from), snapshot, upserts, checksum, chunk: 0, chunks: 1 });
}
let endpointVersion = 0;
const remote = new Map<string, Resource>();
const endpointSet = (): EndpointSet =>
  create(EndpointSetSchema, { version: BigInt(++endpointVersion), workloads: [...remote.values()].map((w) => wire(w, 0)) });

const all = meshBundles(sizes, Array.from({ length: zones }, (_, z) => ({ host: `10.200.0.${z + 1}`, port: 50051 }))).flat();
for (const w of all.filter(isRemote)) remote.set(`${w.metadata.name}@${w.kind === "Workload" ? w.spec.zone : ""}`, w);

const mirror = new ZoneMirror();
const endpoints = new EndpointMirror();
const cache = new SnapshotCache();
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (e: string, f?: object) => process.stderr.write(`${e} ${JSON.stringify(f)}\n`) };
const publisher = new SnapshotPublisher({ localZone: LOCAL, cache, mirror, endpoints, discovery: { list: () => [], seq: 0 }, log: silent });

const first = mirror.apply(update(all.filter((r) => !isRemote(r)), true));
if (!first?.ok) throw new Error(`snapshot refused: ${first?.ok === false ? first.reason : "chunked"}`);
publisher.publish(first.meshes);
publisher.publish(endpoints.apply(endpointSet()).meshes);

type Timing = { apply: number[]; translated: number[]; publish: number[] };
const timings = new Map<ChangeKind, Timing>(CHANGE_KINDS.map((k) => [k, { apply: [], translated: [], publish: [] }]));

function timedPublish(meshes: Set<string>, t: Timing, t0: number): void {
  const p0 = performance.now();
  let translatedAt = NaN;
  publisher.publish(meshes, { translated: () => (translatedAt = performance.now()), publishing: () => undefined });
  const end = performance.now();
  t.apply.push(p0 - t0);
  t.translated.push(translatedAt - p0);
  t.publish.push(end - p0);
}

// A warm-up round first (JIT), then the measured changes; both through the same plan.
const plan = changePlan(sizes, 0, changes * 2);
let k = 0;
for (const change of plan) {
  const t = k++ < changes ? { apply: [], translated: [], publish: [] } : timings.get(change.kind)!;
  if (change.kind === "workload-unhealthy") {
    // The full bench writes it through the API; here it is a remote endpoint the zone reports unhealthy.
    const w = [...remote.values()].find((r) => r.kind === "Workload" && r.spec.service === change.service && r.spec.health !== "unhealthy");
    const target = w ?? [...remote.values()].find((r) => r.kind === "Workload" && r.spec.health !== "unhealthy")!;
    if (target.kind !== "Workload") throw new Error("not a workload");
    remote.set(`${target.metadata.name}@${target.spec.zone}`, { ...target, spec: { ...target.spec, health: "unhealthy" } });
    const set = endpointSet();
    const t0 = performance.now();
    const { meshes } = endpoints.apply(set);
    timedPublish(meshes, t, t0);
  } else {
    const u = update(change.docs);
    const t0 = performance.now();
    const r = mirror.apply(u);
    if (!r?.ok) throw new Error(`update refused: ${r?.ok === false ? r.reason : "chunked"}`);
    timedPublish(r.meshes, t, t0);
  }
}

const measures: Record<string, Measure> = {};
for (const [kind, t] of timings) {
  measures[`${kind}.apply`] = { measure: `${kind}: mirror apply (ms)`, samples: t.apply };
  measures[`${kind}.translated`] = { measure: `${kind}: publish to translated (ms)`, samples: t.translated };
  measures[`${kind}.publish`] = { measure: `${kind}: whole publish (ms)`, samples: t.publish };
}
await writeResult(process.env["BENCH_NAME"] ?? "translate-change", { services, changes, zones, workloads: all.filter((r) => r.kind === "Workload").length, remote: remote.size }, measures);
