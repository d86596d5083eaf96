import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { DeltaDiscoveryResponse } from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { startAdsServer, type AdsServer } from "../../../../src/xds-bridge/xds/ads-server.js";
import { combineCallbacks } from "../../../../src/xds-bridge/xds/proxy-callbacks.js";
import { ProxyTracker } from "../../../../src/xds-bridge/xds/proxy-tracker.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { SnapshotCache } from "../../../../src/xds-bridge/xds/snapshot-cache.js";
import { TYPE_URL, type XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { CallbackRecorder } from "../../support/callback-recorder.js";
import { apiListener, edsCluster, loadAssignment, routeTo } from "../../support/echo-xds-resources.js";
import { deltaNamesOf, RawDeltaClient } from "../../support/raw-delta-client.js";
import { waitFor } from "../../support/wait.js";

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

/** Services <s> (listener and route <s>, cluster and endpoints <s>-c), plus routes barrier-N and barrier-stale. */
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
  r.routes.push(routeTo("barrier-stale", "a-c"));
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

describe("ADS server (delta): ACK, NACK, nonces, reconnect", () => {
  it("tracks ACKs and a NACK with its error_detail, and does not re-send what was refused", async () => {
    setSnapshot("d-nack", "v1");
    const c = open("nack-proxy", "d-nack");
    await handshake(c);
    await waitFor(() => {
      const types = tracker.proxyStatus("nack-proxy")?.types ?? {};
      return [LDS, RDS, CDS, EDS].every((t) => types[t]?.state === "ACK" && types[t]?.ackedVersion === "v1");
    });

    setSnapshot("d-nack", "v2", { lb: { b: Cluster_LbPolicy.LEAST_REQUEST } });
    const refused = await c.next(CDS);
    expect(deltaNamesOf(refused)).toEqual(["b-c"]);
    c.nack(refused, "unsupported lb_policy LEAST_REQUEST");
    const cds = await waitFor(() => {
      const t = tracker.proxyStatus("nack-proxy")?.types[CDS];
      return t?.state === "NACK" ? t : undefined;
    });
    expect(cds).toMatchObject({ ackedVersion: "v1", lastNack: { version: "v2", errorDetail: "unsupported lb_policy LEAST_REQUEST" } });
    expect(recorder.of("nack", "nack-proxy")).toMatchObject([
      { typeUrl: CDS, keptVersion: "v1", rejectedVersion: "v2", errorDetail: "unsupported lb_policy LEAST_REQUEST" },
    ]);
    const drained = tracker.drainChanges().statuses.filter((s) => s.proxyId === "nack-proxy" && s.typeUrl === CDS);
    expect(drained).toMatchObject([{ state: "NACK", version: "v2" }]);

    // An unrelated change does not bring the refused cluster back.
    const mark = c.received.length;
    setSnapshot("d-nack", "v3", { lb: { b: Cluster_LbPolicy.LEAST_REQUEST }, port: { a: 2222 } });
    c.ack(await c.next(EDS));
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([EDS, RDS]);

    setSnapshot("d-nack", "v4", { lb: { b: Cluster_LbPolicy.RING_HASH }, port: { a: 2222 } });
    c.ack(await c.next(CDS));
    await waitFor(() => tracker.proxyStatus("nack-proxy")?.types[CDS]?.ackedVersion === "v4");
  });

  it("on reconnect with initial_resource_versions re-sends only what changed and removes what is gone", async () => {
    setSnapshot("d-reconnect", "v1");
    const first = open("reconnect-proxy", "d-reconnect");
    await handshake(first);
    const had = Object.fromEntries([LDS, RDS, CDS, EDS].map((t) => [t, first.versions(t)]));
    expect(Object.keys(had[CDS] ?? {})).toEqual(["a-c", "b-c", "c-c"]);
    first.close();
    await waitFor(() => recorder.of("closed", "reconnect-proxy").length === 1);

    const snap = setSnapshot("d-reconnect", "v2", { lb: { b: Cluster_LbPolicy.RING_HASH } });
    const second = open("reconnect-proxy", "d-reconnect");
    second.subscribe(LDS, [], { ...had[LDS], ghost: "0123" });
    second.subscribe(RDS, ["a", "b", "c"], had[RDS]);
    second.subscribe(CDS, [], had[CDS]);
    second.subscribe(EDS, ["a-c", "b-c", "c-c"], had[EDS]);
    const lds = await second.next(LDS);
    const cds = await second.next(CDS);
    expect([deltaNamesOf(lds), removedOf(lds)]).toEqual([[], ["ghost"]]);
    expect([deltaNamesOf(cds), removedOf(cds)]).toEqual([["b-c"], []]);
    expect(cds.resources[0]?.version).toBe(snap.resources(CDS).get("b-c")?.hash);
    await barrier(second);
    expect(typesSince(second, 0)).toEqual([LDS, CDS, RDS]);
  });

  it("ignores stale and unknown nonces (no ACK, no NACK) but still applies their subscriptions", async () => {
    setSnapshot("d-stale", "v1");
    const c = open("stale-proxy", "d-stale");
    const first = await handshake(c);
    await waitFor(() => recorder.of("ack", "stale-proxy").length === 4);

    c.send({ typeUrl: CDS, responseNonce: "no-such-nonce" });
    c.send({ typeUrl: CDS, responseNonce: first.cds.nonce }); // answered already
    c.send({ typeUrl: LDS, responseNonce: first.lds.nonce, errorDetail: "late complaint" });
    c.send({ typeUrl: EDS, responseNonce: first.cds.nonce }); // a nonce of another type
    // A barrier whose request also carries an unknown nonce, left unanswered
    // until the count: its subscription still counts.
    c.send({ typeUrl: RDS, subscribe: ["barrier-stale"], responseNonce: "no-such-nonce" });
    const barrierResponse = await c.next(RDS, (r) => deltaNamesOf(r).includes("barrier-stale"));
    expect(recorder.of("ack", "stale-proxy")).toHaveLength(4);
    expect(recorder.of("nack", "stale-proxy")).toEqual([]);
    c.ack(barrierResponse);

    // Two pushes in flight: answering the newer one makes the older stale.
    setSnapshot("d-stale", "v2", { lb: { b: Cluster_LbPolicy.RING_HASH } });
    const older = await c.next(CDS);
    setSnapshot("d-stale", "v3", { lb: { b: Cluster_LbPolicy.ROUND_ROBIN, c: Cluster_LbPolicy.RING_HASH } });
    const newer = await c.next(CDS);
    c.ack(newer);
    c.nack(older, "too late");
    await barrier(c);
    expect(recorder.of("nack", "stale-proxy")).toEqual([]);
    expect(tracker.proxyStatus("stale-proxy")?.types[CDS]).toMatchObject({ state: "ACK", ackedVersion: "v3" });
  });
});
