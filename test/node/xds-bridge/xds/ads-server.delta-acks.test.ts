import { describe, expect, it } from "vitest";
import { Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { TYPE_URL } from "../../../../src/xds-bridge/xds-resources.js";
import { useAdsFixture } from "../../support/ads-fixture.js";
import { typesSince } from "../../support/ads-stream-client.js";
import { barriers, deltaMesh, handshake, removedOf, type MeshSpec } from "../../support/delta-mesh.js";
import { deltaNamesOf, type RawDeltaClient } from "../../support/raw-delta-client.js";
import { waitFor } from "../../support/wait.js";

const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URL;
const fx = useAdsFixture({ expectNoServerErrors: true });
const { tracker, recorder } = fx;
// barrier-stale: the route one test subscribes to on a request it leaves unanswered.
const setSnapshot = (mesh: string, version: string, spec: MeshSpec = {}): Snapshot => fx.setSnapshot(mesh, deltaMesh(spec, ["barrier-stale"]), version);
const open = (id: string, mesh: string): RawDeltaClient => fx.delta({ id, mesh });
const barrier = barriers();

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
