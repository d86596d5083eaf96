import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
  type DiscoveryResponse,
} from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { DeltaAdsStream } from "../../../../src/xds-bridge/xds/ads-delta-stream.js";
import { SotwAdsStream } from "../../../../src/xds-bridge/xds/ads-sotw-stream.js";
import { guardCallbacks } from "../../../../src/xds-bridge/xds/proxy-callbacks.js";
import { ProxyTracker } from "../../../../src/xds-bridge/xds/proxy-tracker.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { SnapshotCache } from "../../../../src/xds-bridge/xds/snapshot-cache.js";
import { SubscriptionIndex } from "../../../../src/xds-bridge/xds/subscription-index.js";
import { TYPE_URL, type XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { apiListener, echoXdsResources } from "../../support/echo-xds-resources.js";

const { listener: LDS, cluster: CDS } = TYPE_URL;
const changed = (typeUrl: string, ...names: string[]) => new Map([[typeUrl, new Set(names)]]);
const visited = <S>(plan: { visit: ReadonlyMap<S, ReadonlySet<string>> }) => [...plan.visit.keys()].sort();

describe("SubscriptionIndex", () => {
  it("visits only a changed name's subscribers and the type's wildcard streams; the rest are skipped", () => {
    const index = new SubscriptionIndex<string>();
    index.set("a", LDS, false, ["a"]);
    index.set("b", LDS, false, ["b"]);
    index.set("all", LDS, true, []);
    index.set("c-only", CDS, false, ["a"]);
    const plan = index.plan(changed(LDS, "a"));
    expect(visited(plan)).toEqual(["a", "all"]);
    expect(plan.visit.get("a")).toEqual(new Set([LDS]));
    expect(plan.skipped.get(LDS)).toEqual(["b"]);
    // Same name, other type: not concerned.
    expect(plan.skipped.get(CDS)).toEqual(["c-only"]);
    // Nothing changed of a type: its wildcard streams are skipped too.
    expect([...(index.plan(changed(CDS, "zzz")).skipped.get(LDS) ?? [])].sort()).toEqual(["a", "all", "b"]);
    // No previous snapshot: everyone, every type.
    expect(visited(index.plan(undefined))).toEqual(["a", "all", "b", "c-only"]);
  });

  it("follows subscription changes, and a pending stream is visited once for all its types", () => {
    const index = new SubscriptionIndex<string>();
    index.set("s", LDS, false, ["a"]);
    index.set("s", LDS, false, ["b"]);
    expect(visited(index.plan(changed(LDS, "a")))).toEqual([]);
    expect(visited(index.plan(changed(LDS, "b")))).toEqual(["s"]);
    index.set("s", LDS, true, []);
    expect(visited(index.plan(changed(LDS, "x")))).toEqual(["s"]);
    index.set("s", LDS, false, []);
    expect(visited(index.plan(changed(LDS, "b")))).toEqual([]);
    index.set("s", CDS, false, ["c"]);
    index.markPending("s");
    expect(index.plan(changed(LDS, "none")).visit.get("s")).toEqual(new Set([LDS, CDS]));
    expect(visited(index.plan(changed(LDS, "none")))).toEqual([]);
  });

  it("forgets a removed stream", () => {
    const index = new SubscriptionIndex<string>();
    index.set("s", LDS, true, ["a"]);
    index.markPending("s");
    index.remove("s");
    expect(index.size).toBe(0);
    const plan = index.plan(changed(LDS, "a"));
    expect(visited(plan)).toEqual([]);
    expect(plan.skipped.size).toBe(0);
  });
});

/** Listeners named `names`; `routeOf` changes what one of them points at (its hash). */
function listeners(names: string[], routeOf: Record<string, string> = {}): XdsResources {
  return { ...echoXdsResources({ backends: [{ port: 1111 }] }), listeners: names.map((n) => apiListener(n, routeOf[n] ?? n)) };
}

describe("streams indexed by the snapshot cache", () => {
  function world() {
    const cache = new SnapshotCache();
    const tracker = new ProxyTracker();
    const seen: string[] = [];
    const callbacks = guardCallbacks(
      {
        onStreamOpen: (p) => tracker.onStreamOpen(p),
        onStreamClosed: (p) => tracker.onStreamClosed(p),
        onResponse: (p, t, v) => tracker.onResponse(p, t, v),
        onAck: (p, t, v) => tracker.onAck(p, t, v),
        onNack: (p, t, k, r, e) => tracker.onNack(p, t, k, r, e),
        onHeld: (p, t, h) => tracker.onHeld(p, t, h),
        // Visited streams report through onCurrent, skipped ones through onCurrentMany.
        onCurrent: (p, t, v) => {
          seen.push(`visited ${p.id}`);
          tracker.onCurrent(p, t, v);
        },
        onCurrentMany: (ps, t, v) => {
          seen.push(`bulk ${ps.map((p) => p.id).join(",")}`);
          tracker.onCurrentMany(ps, t, v);
        },
      },
      (err) => {
        throw err;
      },
    );
    let nextId = 1;
    const sotw = (id: string, names: string[]) => {
      const sent: DiscoveryResponse[] = [];
      const s = new SotwAdsStream({ streamId: nextId++, cache, callbacks, send: (r) => sent.push(r), fail: (err) => {
        throw err;
      } });
      let current = names;
      const ask = (resourceNames: string[], r?: DiscoveryResponse) => {
        current = resourceNames;
        s.handleRequest(create(DiscoveryRequestSchema, { node: { id }, typeUrl: LDS, resourceNames, responseNonce: r?.nonce ?? "", versionInfo: r?.versionInfo ?? "" }));
      };
      ask(names);
      // An ACK repeats the subscription it answers.
      const ack = () => ask(current, sent.at(-1));
      return { s, sent, ask, ack };
    };
    return { cache, tracker, seen, sotw, callbacks, nextId: () => nextId++ };
  }

  it("pushes to the changed name's subscriber and the wildcard stream; the skipped one is still reported current", () => {
    const { cache, tracker, seen, sotw } = world();
    cache.setSnapshot("default", new Snapshot(listeners(["a", "b"]), "1.0.0"));
    const a = sotw("pa", ["a"]);
    const b = sotw("pb", ["b"]);
    const all = sotw("pall", ["*"]);
    for (const s of [a, b, all]) s.ack();
    tracker.drainChanges();
    seen.length = 0;

    cache.setSnapshot("default", new Snapshot(listeners(["a", "b"], { a: "other" }), "2.0.0"));
    expect(a.sent.map((r) => r.versionInfo)).toEqual(["1.0.0", "2.0.0"]);
    expect(all.sent.map((r) => r.versionInfo)).toEqual(["1.0.0", "2.0.0"]);
    expect(b.sent.map((r) => r.versionInfo)).toEqual(["1.0.0"]);
    expect(seen).toEqual(["bulk pb"]);
    // Rollout: pb runs 2.0.0 as far as status goes, though it was never visited.
    expect(tracker.drainChanges().statuses.map((r) => `${r.proxyId} ${r.version}`)).toEqual(["pb 2.0.0"]);

    // Its later answer to the response it got (1.0.0) is an ACK, reported at the newest version it is current at.
    b.ack();
    expect(tracker.drainChanges().statuses).toEqual([]);
    expect(tracker.proxyStatus("pb")?.types[LDS]?.ackedVersion).toBe("1.0.0");
    // A subscription change after being skipped answers from the current snapshot.
    b.ask(["b", "a"]);
    expect(b.sent.at(-1)?.versionInfo).toBe("2.0.0");
    b.ack();
    expect(tracker.drainChanges().statuses.map((r) => `${r.proxyId} ${r.version}`)).toEqual(["pb 2.0.0"]);
    // The index followed it: a change to "a" reaches it now.
    cache.setSnapshot("default", new Snapshot(listeners(["a", "b"], { a: "third" }), "3.0.0"));
    expect(b.sent.at(-1)?.versionInfo).toBe("3.0.0");
  });

  it("answers streams that subscribed before the first snapshot, and a removal reaches the removed name's subscriber", () => {
    const { cache, sotw } = world();
    const a = sotw("pa", ["a"]);
    const c = sotw("pc", ["c"]);
    expect(a.sent).toEqual([]);
    cache.setSnapshot("default", new Snapshot(listeners(["a", "c"]), "1.0.0"));
    expect(a.sent.map((r) => r.versionInfo)).toEqual(["1.0.0"]);
    cache.setSnapshot("default", new Snapshot(listeners(["a"]), "2.0.0"));
    expect(c.sent.map((r) => r.resources.length)).toEqual([1, 0]);
    expect(a.sent.map((r) => r.versionInfo)).toEqual(["1.0.0"]);
  });

  it("drops a closed stream from the index and visits delta streams by name too", () => {
    const { cache, seen, sotw, callbacks, nextId } = world();
    cache.setSnapshot("default", new Snapshot(listeners(["a", "b"]), "1.0.0"));
    const a = sotw("pa", ["a"]);
    const sent: DeltaDiscoveryResponse[] = [];
    const d = new DeltaAdsStream({ streamId: nextId(), cache, callbacks, send: (r) => sent.push(r), fail: (err) => {
      throw err;
    } });
    d.handleRequest(create(DeltaDiscoveryRequestSchema, { node: { id: "pd" }, typeUrl: LDS, resourceNamesSubscribe: ["b"] }));
    expect(cache.watcherCount("default")).toBe(2);
    a.s.close();
    expect(cache.watcherCount("default")).toBe(1);
    seen.length = 0;
    cache.setSnapshot("default", new Snapshot(listeners(["a", "b"], { a: "other" }), "2.0.0"));
    expect(a.sent).toHaveLength(1);
    expect(seen).toEqual(["bulk pd"]);
    cache.setSnapshot("default", new Snapshot(listeners(["a", "b"], { a: "other", b: "other" }), "3.0.0"));
    expect(sent.map((r) => `${r.systemVersionInfo} ${r.resources.map((x) => x.name).join(",")}`)).toEqual(["1.0.0 b", "3.0.0 b"]);
    d.close();
    expect(cache.watcherCount("default")).toBe(0);
  });
});
