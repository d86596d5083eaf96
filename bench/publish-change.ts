/**
 * In-process micro-benchmark of everything after translation for a change
 * that touches one service in a large mesh: the real SnapshotPublisher,
 * SnapshotCache, ADS streams (SotW, then delta) and ProxyTracker, no
 * servers, no network. Per change:
 *   (a) setSnapshot: end of translation -> publish() returned (consistency,
 *       Snapshot, cache notify, every stream's pushes queued);
 *   (b) Snapshot construction alone (the same resources, timed apart);
 *   (c) cache notify -> last affected stream's response written;
 *   (d) the proxies' ACKs of those responses through the real ProxyTracker;
 *   (e) the status report that follows: drainChanges + CurrentPlanner.plan.
 *
 *   node --import tsx bench/publish-change.ts [services=1000] [changes=20]
 *   BENCH_NAME=publish-change.before node --import tsx bench/publish-change.ts
 */
import { create } from "@bufbuild/protobuf";
import type { ZoneModel } from "../src/contract/zone-model.js";
import {
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
  type DiscoveryResponse,
} from "../gen/envoy/service/discovery/v3/discovery_pb.js";
import { CurrentPlanner } from "../src/xds-bridge/current-planner.js";
import type { Logger } from "../src/xds-bridge/logger.js";
import { SnapshotPublisher } from "../src/xds-bridge/snapshot-publisher.js";
import { translateMeshIncremental, type MeshMemo } from "../src/xds-bridge/translate/index.js";
import { TYPE_URL } from "../src/xds-bridge/xds-resources.js";
import { DeltaAdsStream } from "../src/xds-bridge/xds/ads-delta-stream.js";
import { SotwAdsStream } from "../src/xds-bridge/xds/ads-sotw-stream.js";
import { guardCallbacks } from "../src/xds-bridge/xds/proxy-callbacks.js";
import { ProxyTracker } from "../src/xds-bridge/xds/proxy-tracker.js";
import { SnapshotCache } from "../src/xds-bridge/xds/snapshot-cache.js";
import { Snapshot } from "../src/xds-bridge/xds/snapshot.js";
import type { Measure } from "./result-file.js";
import { writeResult } from "./result-file.js";
import { fanoutModel, svc, wl } from "./fanout-mesh.js";

const services = Number(process.argv[2] ?? 1000);
const changes = Number(process.argv[3] ?? 20);
const TYPES: string[] = [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint];

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A response one stream sent during the change being measured, to be ACKed. */
interface Sent {
  stream: number;
  typeUrl: string;
  nonce: string;
  version: string;
}

async function run(mode: "sotw" | "delta"): Promise<Record<string, Measure>> {
  const built = fanoutModel(services);
  const model = built.model;
  let revision = built.revision;

  const cache = new SnapshotCache();
  let notifyAt = 0;
  let lastWriteAt = 0;
  const setSnapshot = cache.setSnapshot.bind(cache);
  cache.setSnapshot = (key, snapshot) => {
    notifyAt = performance.now();
    setSnapshot(key, snapshot);
  };
  const publisher = new SnapshotPublisher({
    localZone: "a",
    cache,
    mirror: { model },
    endpoints: { version: 0, mergedWith: (m: ZoneModel) => m },
    discovery: { list: () => [], seq: 0 },
    log: silent,
  });
  let translatedAt = 0;
  const hooks = { translated: () => void (translatedAt = performance.now()), publishing: () => undefined };
  publisher.publish(new Set(["default"]), hooks);

  const tracker = new ProxyTracker(Date.now, () => model.revision);
  const callbacks = guardCallbacks(tracker, (err) => {
    throw err;
  });
  const planner = new CurrentPlanner(500);
  const sent: Sent[] = [];
  const fail = (err: unknown): void => {
    throw err;
  };
  // One proxyless client per service, subscribed by name to its own resources of every type.
  const snap = cache.getSnapshot("default")!;
  const namesOf = (typeUrl: string) => [...snap.resources(typeUrl).keys()];
  const byType = TYPES.map((t) => ({ t, names: namesOf(t) }));
  const subscribed = (i: number, t: number) => [byType[t]!.names[i % byType[t]!.names.length]!];
  const ack: ((s: Sent) => void)[] = [];
  for (let i = 0; i < services; i++) {
    const streamId = i + 1;
    if (mode === "sotw") {
      const s = new SotwAdsStream({ streamId, cache, callbacks, fail, send: (r: DiscoveryResponse) => {
        lastWriteAt = performance.now();
        sent.push({ stream: i, typeUrl: r.typeUrl, nonce: r.nonce, version: r.versionInfo });
      } });
      ack.push((a) => s.handleRequest(create(DiscoveryRequestSchema, { typeUrl: a.typeUrl, resourceNames: subscribed(i, TYPES.indexOf(a.typeUrl)), responseNonce: a.nonce, versionInfo: a.version })));
      TYPES.forEach((typeUrl, t) => s.handleRequest(create(DiscoveryRequestSchema, { node: { id: `p${i}` }, typeUrl, resourceNames: subscribed(i, t) })));
    } else {
      const s = new DeltaAdsStream({ streamId, cache, callbacks, fail, send: (r: DeltaDiscoveryResponse) => {
        lastWriteAt = performance.now();
        sent.push({ stream: i, typeUrl: r.typeUrl, nonce: r.nonce, version: r.systemVersionInfo });
      } });
      ack.push((a) => s.handleRequest(create(DeltaDiscoveryRequestSchema, { typeUrl: a.typeUrl, responseNonce: a.nonce })));
      TYPES.forEach((typeUrl, t) => s.handleRequest(create(DeltaDiscoveryRequestSchema, { node: { id: `p${i}` }, typeUrl, resourceNamesSubscribe: subscribed(i, t) })));
    }
  }
  // Every proxy ACKs its first config and the zone hears it: the changes below start from a settled mesh.
  for (const s of sent.splice(0)) ack[s.stream]!(s);
  planner.plan(tracker.drainChanges(), true, true);

  // A translation of its own, so Snapshot construction is timed on the same kind of input without the publisher around it.
  let memo: MeshMemo | undefined = translateMeshIncremental(model, "default", { localZone: "a" }, undefined).memo;
  let previous = new Snapshot(translateMeshIncremental(model, "default", { localZone: "a" }, memo).resources, "0");

  const m = {
    setSnapshot: [] as number[],
    snapshot: [] as number[],
    notify: [] as number[],
    ack: [] as number[],
    report: [] as number[],
    responses: [] as number[],
    records: [] as number[],
  };
  for (let c = 0; c < changes; c++) {
    const i = (c * 37) % services;
    model.put(c % 2 === 0 ? svc(i, 8081 + c) : wl(i, 2 + c), ++revision);
    model.revision = revision;

    publisher.publish(new Set(["default"]), hooks);
    const publishedAt = performance.now();
    m.setSnapshot.push(publishedAt - translatedAt);
    m.notify.push(sent.length > 0 ? lastWriteAt - notifyAt : 0);
    m.responses.push(sent.length);

    const inc = translateMeshIncremental(model, "default", { localZone: "a" }, memo);
    memo = inc.memo;
    const t0 = performance.now();
    previous = new Snapshot(inc.resources, String(revision), previous);
    m.snapshot.push(performance.now() - t0);

    const t1 = performance.now();
    for (const s of sent.splice(0)) ack[s.stream]!(s);
    m.ack.push(performance.now() - t1);

    const t2 = performance.now();
    const drained = tracker.drainChanges();
    planner.plan(drained, true, true);
    m.report.push(performance.now() - t2);
    m.records.push(drained.statuses.length);
  }
  return {
    [`${mode}_setSnapshot`]: { measure: `${mode}: setSnapshot, translated -> pushes queued (ms)`, samples: m.setSnapshot },
    [`${mode}_snapshot`]: { measure: `${mode}: Snapshot construction (ms)`, samples: m.snapshot },
    [`${mode}_notify`]: { measure: `${mode}: cache notify -> last response written (ms)`, samples: m.notify },
    [`${mode}_ack`]: { measure: `${mode}: ACKs of those responses, ProxyTracker (ms)`, samples: m.ack },
    [`${mode}_report`]: { measure: `${mode}: drainChanges + CurrentPlanner.plan (ms)`, samples: m.report },
    [`${mode}_responses`]: { measure: `${mode}: responses per change`, samples: m.responses },
    [`${mode}_records`]: { measure: `${mode}: status records drained per change`, samples: m.records },
  };
}

const sotw = await run("sotw");
const delta = await run("delta");
await writeResult(process.env["BENCH_NAME"] ?? "publish-change", { services, streams: services, changes }, { ...sotw, ...delta });
