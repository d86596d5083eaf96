import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
} from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { DeltaAdsStream } from "../../../../src/xds-bridge/xds/ads-delta-stream.js";
import { AdsProtocolError } from "../../../../src/xds-bridge/xds/ads-stream-base.js";
import { DeltaSubscription } from "../../../../src/xds-bridge/xds/delta-subscription.js";
import { guardCallbacks } from "../../../../src/xds-bridge/xds/proxy-callbacks.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { SnapshotCache } from "../../../../src/xds-bridge/xds/snapshot-cache.js";
import { TYPE_URL, type XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { CallbackRecorder } from "../../support/callback-recorder.js";
import { apiListener, echoXdsResources } from "../../support/echo-xds-resources.js";

const { listener: LDS, route: RDS, cluster: CDS } = TYPE_URL;

/** Listeners named `names` (plus the echo route, cluster and endpoints). */
function listeners(...names: string[]): XdsResources {
  return { ...echoXdsResources({ backends: [{ port: 1111 }] }), listeners: names.map((n) => apiListener(n)) };
}

const names = (change: { updated: { name: string }[] }): string[] => change.updated.map((r) => r.name);

describe("DeltaSubscription", () => {
  const snap = new Snapshot(listeners("a", "b", "c"), "v1");
  const all = snap.resources(LDS);

  it("is a legacy wildcard only for an empty first LDS/CDS request; '*' toggles wildcard explicitly", () => {
    expect(DeltaSubscription.first(true, [], {}).wildcard).toBe(true);
    expect(DeltaSubscription.first(false, [], {}).wildcard).toBe(false);
    expect(DeltaSubscription.first(true, ["a"], {}).wildcard).toBe(false);

    const sub = DeltaSubscription.first(false, ["a"], {});
    expect(sub.apply(["*"], [])).toBe(true);
    expect(sub.apply(["*", "a"], [])).toBe(false);
    expect(names(sub.diff(all))).toEqual(["a", "b", "c"]);
    expect(sub.apply([], ["*"])).toBe(true);
    // Only "a" is still subscribed; b and c are forgotten without a removal.
    expect(sub.diff(all)).toEqual({ updated: [], removed: [] });
    expect(sub.explicitNames()).toEqual(["a"]);
  });

  it("re-sends a name unsubscribed while the wildcard still covers it", () => {
    const sub = DeltaSubscription.first(true, [], {});
    sub.apply(["b"], []);
    sub.diff(all);
    expect(sub.apply([], ["b"])).toBe(true);
    expect(names(sub.diff(all))).toEqual(["b"]);
  });

  it("trusts initial_resource_versions: same hash is not re-sent, a vanished name is removed", () => {
    const hashOf = (n: string): string => all.get(n)?.hash ?? "";
    const sub = DeltaSubscription.first(true, [], { a: hashOf("a"), b: "old", gone: "x" });
    expect(sub.diff(all)).toMatchObject({ removed: ["gone"] });

    const named = DeltaSubscription.first(false, ["a", "gone"], { a: hashOf("a"), gone: "x", other: "y" });
    expect(named.diff(all)).toEqual({ updated: [], removed: ["gone"] });
  });
});

describe("DeltaAdsStream without a transport", () => {
  function stream(cache: SnapshotCache): { s: DeltaAdsStream; sent: DeltaDiscoveryResponse[]; failures: unknown[]; rec: CallbackRecorder } {
    const sent: DeltaDiscoveryResponse[] = [];
    const failures: unknown[] = [];
    const rec = new CallbackRecorder();
    const callbacks = guardCallbacks(rec, (err) => failures.push(err));
    const s = new DeltaAdsStream({ streamId: 7, cache, callbacks, send: (r) => sent.push(r), fail: (e) => failures.push(e) });
    return { s, sent, failures, rec };
  }
  const request = (init: MessageInitShape<typeof DeltaDiscoveryRequestSchema>) => create(DeltaDiscoveryRequestSchema, init);

  it("reuses the snapshot's encoded Any, versions by hash, and numbers nonces across types", () => {
    const cache = new SnapshotCache();
    const snap = new Snapshot(listeners("a", "b"), "v1");
    cache.setSnapshot("default", snap);
    const { s, sent, rec } = stream(cache);
    s.handleRequest(request({ node: { id: "p" }, typeUrl: LDS }));
    s.handleRequest(request({ typeUrl: CDS }));

    expect(sent.map((r) => [r.typeUrl, r.nonce])).toEqual([
      [LDS, "1"],
      [CDS, "2"],
    ]);
    const a = snap.resources(LDS).get("a");
    expect(sent[0]?.resources[0]?.resource).toBe(a?.any);
    expect(sent[0]?.resources[0]?.version).toBe(a?.hash);
    const bytes = [...snap.resources(LDS).values()].reduce((n, r) => n + r.any.value.byteLength, 0);
    expect(rec.of("response")[0]).toMatchObject({ typeUrl: LDS, version: "v1", nonce: "1", bytes });
    // onRequest sees a SotW-shaped view of each delta request.
    expect(rec.of("request").map((e) => e.request.typeUrl)).toEqual([LDS, CDS]);
  });

  it("waits for the mesh's first snapshot, then sends only what the subscriptions cover", () => {
    const cache = new SnapshotCache();
    const { s, sent } = stream(cache);
    s.handleRequest(request({ node: { id: "p", metadata: { mesh: "late" } }, typeUrl: RDS, resourceNamesSubscribe: ["echo"] }));
    expect(sent).toEqual([]);
    cache.setSnapshot("late", new Snapshot(listeners("a"), "v1"));
    expect(sent.map((r) => [r.typeUrl, r.resources.map((x) => x.name)])).toEqual([[RDS, ["echo"]]]);
    s.close();
    expect(cache.watcherCount("late")).toBe(0);
  });

  it("fails with a protocol error on a first request without node, and never throws", () => {
    const { s, failures } = stream(new SnapshotCache());
    expect(() => s.handleRequest(request({ typeUrl: LDS }))).not.toThrow();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(AdsProtocolError);
  });
});
