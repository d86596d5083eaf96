import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { DeltaDiscoveryResponse } from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { startAdsServer, type AdsServer } from "../../../../src/xds-bridge/xds/ads-server.js";
import { combineCallbacks } from "../../../../src/xds-bridge/xds/proxy-callbacks.js";
import { ProxyTracker } from "../../../../src/xds-bridge/xds/proxy-tracker.js";
import { resourceNameOf } from "../../../../src/xds-bridge/xds/resource-kinds.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { SnapshotCache } from "../../../../src/xds-bridge/xds/snapshot-cache.js";
import { TYPE_URL, type XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { CallbackRecorder } from "../../support/callback-recorder.js";
import { apiListener, edsCluster, loadAssignment, routeTo } from "../../support/echo-xds-resources.js";
import { deltaNamesOf, RawDeltaClient } from "../../support/raw-delta-client.js";

const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URL;
const BARRIERS = 40;

let cache: SnapshotCache;
let tracker: ProxyTracker;
let recorder: CallbackRecorder;
let ads: AdsServer;
const serverErrors: unknown[] = [];
const clients: RawDeltaClient[] = [];

beforeAll(async () => {
  cache = new SnapshotCache();
  tracker = new ProxyTracker();
  recorder = new CallbackRecorder();
  ads = await startAdsServer({ cache, callbacks: combineCallbacks(tracker, recorder), onError: (err) => serverErrors.push(err) });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.cancel();
  expect(serverErrors).toEqual([]);
});
afterAll(async () => {
  await ads.close();
});

/** Services <s> (listener and route <s>, cluster and endpoints <s>-c), plus routes barrier-N. */
interface MeshSpec {
  services?: string[];
  lb?: Record<string, Cluster_LbPolicy>;
  port?: Record<string, number>;
}

function meshResources(spec: MeshSpec = {}): XdsResources {
  const r: XdsResources = { listeners: [], routes: [], clusters: [], endpoints: [] };
  for (const s of spec.services ?? ["a", "b", "c"]) {
    r.listeners.push(apiListener(s));
    r.routes.push(routeTo(s, `${s}-c`));
    r.clusters.push(edsCluster(`${s}-c`, spec.lb?.[s]));
    r.endpoints.push(loadAssignment(`${s}-c`, [{ port: spec.port?.[s] ?? 1111 }]));
  }
  for (let i = 1; i <= BARRIERS; i++) r.routes.push(routeTo(`barrier-${i}`, "a-c"));
  return r;
}

function setSnapshot(mesh: string, version: string, spec: MeshSpec = {}): Snapshot {
  const snapshot = new Snapshot(meshResources(spec), version);
  cache.setSnapshot(mesh, snapshot);
  return snapshot;
}

function open(id: string, mesh: string): RawDeltaClient {
  const c = RawDeltaClient.connect(ads.address, { id, mesh });
  clients.push(c);
  return c;
}

/** Subscribes to all four types like Envoy would (wildcard LDS/CDS, named RDS/EDS), ACKing each. */
async function handshake(c: RawDeltaClient): Promise<Record<"lds" | "rds" | "cds" | "eds", DeltaDiscoveryResponse>> {
  c.subscribe(LDS);
  const lds = await c.nextAcked(LDS);
  c.subscribe(RDS, ["a", "b", "c"]);
  const rds = await c.nextAcked(RDS);
  c.subscribe(CDS);
  const cds = await c.nextAcked(CDS);
  c.subscribe(EDS, ["a-c", "b-c", "c-c"]);
  return { lds, rds, cds, eds: await c.nextAcked(EDS) };
}

let barrierCount = 0;
/** Waits until the server has acted on everything sent before (see RawDeltaClient.sync). */
const barrier = (c: RawDeltaClient): Promise<void> => c.sync(RDS, `barrier-${(barrierCount += 1)}`);
const typesSince = (c: RawDeltaClient, mark: number): string[] => c.received.slice(mark).map((r) => r.typeUrl);
const removedOf = (r: DeltaDiscoveryResponse): string[] => r.removedResources;

describe("ADS server (delta)", () => {
  it("pushes all listeners and clusters to wildcard subscribers, versioned by hash, with the snapshot's bytes", async () => {
    const snap = setSnapshot("d-wild", "v1");
    const c = open("wild-proxy", "d-wild");
    c.subscribe(LDS); // legacy wildcard
    const lds = await c.next(LDS);
    c.subscribe(CDS, ["*"]); // explicit wildcard
    const cds = await c.next(CDS);

    expect([lds.systemVersionInfo, cds.systemVersionInfo]).toEqual(["v1", "v1"]);
    expect(deltaNamesOf(lds)).toEqual(["a", "b", "c"]);
    expect(deltaNamesOf(cds)).toEqual(["a-c", "b-c", "c-c"]);
    expect(lds.nonce).not.toBe(cds.nonce);
    for (const [response, typeUrl] of [[lds, LDS], [cds, CDS]] as const) {
      for (const r of response.resources) {
        const encoded = snap.resources(typeUrl).get(r.name);
        expect(r.version).toBe(encoded?.hash);
        expect(Buffer.from(r.resource?.value ?? [])).toEqual(Buffer.from(encoded?.any.value ?? []));
        expect(r.resource ? resourceNameOf(r.resource) : undefined).toBe(r.name);
      }
    }

    // Empty first RDS/EDS requests subscribe to nothing.
    const mark = c.received.length;
    c.subscribe(RDS);
    c.subscribe(EDS);
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([RDS]);
  });

  it("sends explicitly subscribed routes and endpoints that exist, and nothing for unknown names", async () => {
    setSnapshot("d-named", "v1");
    const c = open("named-proxy", "d-named");
    c.subscribe(RDS, ["b", "missing"]);
    expect(deltaNamesOf(await c.next(RDS))).toEqual(["b"]);
    c.subscribe(EDS, ["c-c", "a-c"]);
    expect(deltaNamesOf(await c.next(EDS))).toEqual(["a-c", "c-c"]);

    const mark = c.received.length;
    c.subscribe(RDS, ["still-missing"]);
    c.subscribe(RDS, ["b"]); // already has it
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([RDS]);
  });

  it("sends exactly the one changed resource, and nothing for other types", async () => {
    setSnapshot("d-one", "v1");
    const c = open("one-proxy", "d-one");
    await handshake(c);

    let mark = c.received.length;
    setSnapshot("d-one", "v2", { lb: { b: Cluster_LbPolicy.RING_HASH } });
    const cds = await c.next(CDS);
    expect([cds.systemVersionInfo, deltaNamesOf(cds), removedOf(cds)]).toEqual(["v2", ["b-c"], []]);
    c.ack(cds);
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([CDS, RDS]);

    mark = c.received.length;
    setSnapshot("d-one", "v3", { lb: { b: Cluster_LbPolicy.RING_HASH }, port: { c: 3333 } });
    const eds = await c.next(EDS);
    expect(deltaNamesOf(eds)).toEqual(["c-c"]);
    c.ack(eds);
    // Same content under a new version: nothing to send at all.
    setSnapshot("d-one", "v4", { lb: { b: Cluster_LbPolicy.RING_HASH }, port: { c: 3333 } });
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([EDS, RDS]);
  });

  it("lists a removed service in removed_resources of every type that had it", async () => {
    setSnapshot("d-remove", "v1");
    const c = open("remove-proxy", "d-remove");
    await handshake(c);

    const mark = c.received.length;
    setSnapshot("d-remove", "v2", { services: ["a", "c"] });
    const pushes = [await c.next(LDS), await c.next(RDS), await c.next(CDS), await c.next(EDS)];
    for (const r of pushes) c.ack(r);
    expect(pushes.map((r) => [deltaNamesOf(r), removedOf(r)])).toEqual([
      [[], ["b"]],
      [[], ["b"]],
      [[], ["b-c"]],
      [[], ["b-c"]],
    ]);
    await barrier(c);
    // Warming order (resource-kinds.ts PUSH_ORDER), then the barrier's RDS.
    expect(typesSince(c, mark)).toEqual([CDS, EDS, LDS, RDS, RDS]);

    setSnapshot("d-remove", "v3");
    expect(deltaNamesOf(await c.next(LDS))).toEqual(["b"]);
    expect(deltaNamesOf(await c.next(EDS))).toEqual(["b-c"]);
  });

  it("stops updates for unsubscribed names, and for everything after unsubscribing '*'", async () => {
    setSnapshot("d-unsub", "v1");
    const c = open("unsub-proxy", "d-unsub");
    await handshake(c);

    c.unsubscribe(EDS, ["b-c"]);
    c.unsubscribe(CDS, ["*"]);
    await barrier(c); // the server has applied both before the change below
    const mark = c.received.length;
    setSnapshot("d-unsub", "v2", { port: { b: 2222, c: 3333 }, lb: { a: Cluster_LbPolicy.RING_HASH } });
    const eds = await c.next(EDS);
    expect([deltaNamesOf(eds), removedOf(eds)]).toEqual([["c-c"], []]);
    c.ack(eds);
    // b-c is gone, but this proxy no longer asks about it: no removal.
    setSnapshot("d-unsub", "v3", { services: ["a", "c"], port: { c: 3333 }, lb: { a: Cluster_LbPolicy.RING_HASH } });
    const lds = await c.next(LDS);
    const rds = await c.next(RDS);
    expect([removedOf(lds), removedOf(rds)]).toEqual([["b"], ["b"]]);
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([EDS, LDS, RDS, RDS]);
  });

  it("sends nothing to a proxy when another mesh changes", async () => {
    setSnapshot("d-iso-a", "a1");
    setSnapshot("d-iso-b", "b1");
    const a = open("iso-a", "d-iso-a");
    const b = open("iso-b", "d-iso-b");
    await handshake(a);
    await handshake(b);

    const mark = a.received.length;
    setSnapshot("d-iso-b", "b2", { port: { a: 4444 } });
    expect(deltaNamesOf(await b.next(EDS))).toEqual(["a-c"]);
    await barrier(a);
    expect(typesSince(a, mark)).toEqual([RDS]);
  });
});
