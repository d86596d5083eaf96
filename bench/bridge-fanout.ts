/**
 * In-process micro-benchmark of what one service's change costs the bridge
 * in a large mesh (no servers, no network): the consistency check, the
 * bytes the disk cache writes, and how many proxy streams are visited.
 *
 *   node --import tsx bench/bridge-fanout.ts [services=1000] [changes=20]
 */
import { create } from "@bufbuild/protobuf";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiscoveryRequestSchema } from "../gen/envoy/service/discovery/v3/discovery_pb.js";
import { StateCache } from "../src/xds-bridge/state-cache.js";
import { checkConsistency, newConsistencyMemo, translateMeshIncremental, type MeshMemo } from "../src/xds-bridge/translate/index.js";
import { TYPE_URL } from "../src/xds-bridge/xds-resources.js";
import { SotwAdsStream } from "../src/xds-bridge/xds/ads-sotw-stream.js";
import { guardCallbacks } from "../src/xds-bridge/xds/proxy-callbacks.js";
import { SnapshotCache } from "../src/xds-bridge/xds/snapshot-cache.js";
import { Snapshot } from "../src/xds-bridge/xds/snapshot.js";
import { writeResult } from "./result-file.js";
import { fanoutModel, svc, wl } from "./fanout-mesh.js";

const services = Number(process.argv[2] ?? 1000);
const changes = Number(process.argv[3] ?? 20);


const built = fanoutModel(services);
const model = built.model;
let revision = built.revision;

const cache = new SnapshotCache();
const visited = new Set<number>();
// Streams the subscription index skips are reported current in bulk: counted apart, they were not visited.
const bulkCurrent = new Set<number>();
const callbacks = guardCallbacks({ onCurrent: (p) => visited.add(p.streamId), onResponse: (p) => visited.add(p.streamId), onCurrentMany: (ps) => ps.forEach((p) => bulkCurrent.add(p.streamId)) }, (err) => {
  throw err;
});
let translation: MeshMemo | undefined;
const memo = newConsistencyMemo();
let previous: Snapshot | undefined;

function publish(): number {
  const inc = translateMeshIncremental(model, "default", { localZone: "a" }, translation);
  translation = inc.memo;
  const t0 = performance.now();
  // The second argument is ignored by a checkConsistency that has no memo (the "before" code).
  const problems = checkConsistency(inc.resources, memo);
  const ms = performance.now() - t0;
  if (problems.length > 0) throw new Error(`inconsistent: ${problems[0]}`);
  previous = new Snapshot(inc.resources, String(model.revision), previous);
  cache.setSnapshot("default", previous);
  return ms;
}
publish();

// One proxyless client per service, subscribed by name to its own resources of every type.
const snap = previous!;
const namesOf = (typeUrl: string) => [...snap.resources(typeUrl).keys()];
const byType = [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint].map((t) => ({ t, names: namesOf(t) }));
for (let i = 0; i < services; i++) {
  const s = new SotwAdsStream({ streamId: i + 1, cache, callbacks, send: () => undefined, fail: (err) => {
    throw err;
  } });
  for (const { t, names } of byType) {
    s.handleRequest(create(DiscoveryRequestSchema, { node: { id: `p${i}` }, typeUrl: t, resourceNames: [names[i % names.length]!] }));
  }
}

const dir = await mkdtemp(join(tmpdir(), "bridge-fanout-"));
const disk = new StateCache(dir, "a", 0);
const save = () => disk.save(model, "c", new Map(), { version: 0, workloads: [] });
save();
await disk.flush();

async function sizes(): Promise<Map<string, { size: number; stamp: string }>> {
  const out = new Map<string, { size: number; stamp: string }>();
  for (const f of await readdir(dir)) {
    const s = await stat(join(dir, f), { bigint: true });
    out.set(f, { size: Number(s.size), stamp: `${s.ino}:${s.mtimeNs}` });
  }
  return out;
}

const consistencyMs: number[] = [];
const cacheBytes: number[] = [];
const streamsVisited: number[] = [];
for (let c = 0; c < changes; c++) {
  const i = (c * 37) % services;
  model.put(c % 2 === 0 ? svc(i, 8081 + c) : wl(i, 2 + c), ++revision);
  model.revision = revision;
  visited.clear();
  bulkCurrent.clear();
  consistencyMs.push(publish());
  streamsVisited.push(visited.size);
  // Rollout still needs every stream reported: visited or current in bulk.
  if (new Set([...visited, ...bulkCurrent]).size !== services) throw new Error(`only ${visited.size} visited + ${bulkCurrent.size} current of ${services} streams`);
  const before = await sizes();
  save();
  await disk.flush();
  let written = 0;
  // An append grows its file; a rewrite writes all of it.
  for (const [f, now] of await sizes()) {
    const was = before.get(f);
    if (was?.stamp === now.stamp) continue;
    written += f.endsWith(".log") && was && now.size >= was.size ? now.size - was.size : now.size;
  }
  cacheBytes.push(written);
}
await rm(dir, { recursive: true, force: true });

await writeResult(process.env["BENCH_NAME"] ?? "bridge-fanout", { services, streams: services, changes }, {
  consistency: { measure: "consistency check (ms/change)", samples: consistencyMs },
  cache: { measure: "cache write (bytes/change)", samples: cacheBytes },
  visited: { measure: "streams visited/change", samples: streamsVisited },
});
