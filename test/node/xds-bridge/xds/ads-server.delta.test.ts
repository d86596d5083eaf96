import { describe, expect, it } from "vitest";
import { Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { resourceNameOf } from "../../../../src/xds-bridge/xds/resource-kinds.js";
import type { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { TYPE_URL } from "../../../../src/xds-bridge/xds-resources.js";
import { useAdsFixture } from "../../support/ads-fixture.js";
import { typesSince } from "../../support/ads-stream-client.js";
import { barriers, deltaMesh, handshake, removedOf, type MeshSpec } from "../../support/delta-mesh.js";
import { deltaNamesOf, type RawDeltaClient } from "../../support/raw-delta-client.js";

const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URL;
const fx = useAdsFixture({ expectNoServerErrors: true });
const setSnapshot = (mesh: string, version: string, spec: MeshSpec = {}): Snapshot => fx.setSnapshot(mesh, deltaMesh(spec), version);
const open = (id: string, mesh: string): RawDeltaClient => fx.delta({ id, mesh });
const barrier = barriers();

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
