import { describe, expect, it } from "vitest";
import { Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { DiscoveryResponse } from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { TYPE_URL, type XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { useAdsFixture } from "../../support/ads-fixture.js";
import { typesSince } from "../../support/ads-stream-client.js";
import { apiListener, echoXdsResources, loadAssignment, routeTo } from "../../support/echo-xds-resources.js";
import { namesOf, RawAdsClient } from "../../support/raw-ads-client.js";
import { waitFor } from "../../support/wait.js";

const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URL;
const BARRIERS = 40;

const fx = useAdsFixture({ expectNoServerErrors: true });
const { cache, tracker, recorder } = fx;

interface Variant {
  port?: number;
  lbPolicy?: Cluster_LbPolicy;
  extraListener?: boolean;
}

/** The echo resources plus routes named barrier-N (see `barrier`). */
function resources(v: Variant = {}): XdsResources {
  const r = echoXdsResources({ backends: [{ port: v.port ?? 1111 }], lbPolicy: v.lbPolicy });
  for (let i = 1; i <= BARRIERS; i++) r.routes.push(routeTo(`barrier-${i}`, "echo-c"));
  if (v.extraListener) r.listeners.push(apiListener("echo-2"));
  return r;
}

function setSnapshot(mesh: string, version: string, v: Variant = {}): void {
  fx.setSnapshot(mesh, resources(v), version);
}

const open = (id: string, mesh: string): RawAdsClient => fx.sotw({ id, mesh });

/** Subscribes to all four types like Envoy would, ACKing each. */
async function handshake(c: RawAdsClient): Promise<Record<"lds" | "rds" | "cds" | "eds", DiscoveryResponse>> {
  const step = async (typeUrl: string, names: string[]): Promise<DiscoveryResponse> => {
    c.subscribe(typeUrl, names);
    const response = await c.next(typeUrl);
    c.ack(response);
    return response;
  };
  const lds = await step(LDS, []);
  const rds = await step(RDS, ["echo"]);
  const cds = await step(CDS, []);
  const eds = await step(EDS, ["echo-c"]);
  return { lds, rds, cds, eds };
}

let barrierCount = 0;
/**
 * Proves the server has processed everything before it on the stream: adds a
 * route name to the RDS subscription and waits for the response carrying it.
 * Responses are ordered on the stream, so anything the server sent before
 * (pushes from a setSnapshot, answers to earlier requests) arrived before it.
 */
async function barrier(c: RawAdsClient): Promise<void> {
  barrierCount += 1;
  const name = `barrier-${barrierCount}`;
  c.subscribe(RDS, ["echo", name]);
  c.ack(await c.next(RDS, (r) => namesOf(r).includes(name)));
}

describe("ADS server (state of the world)", () => {
  it("answers each subscribed type with the snapshot's resources and tracks the ACKs", async () => {
    setSnapshot("m-ack", "v1");
    const c = open("ack-proxy", "m-ack");
    const { lds, rds, cds, eds } = await handshake(c);

    expect([lds, rds, cds, eds].map((r) => r.versionInfo)).toEqual(["v1", "v1", "v1", "v1"]);
    expect(namesOf(lds)).toEqual(["echo"]); // empty first LDS request: wildcard
    expect(namesOf(rds)).toEqual(["echo"]); // only the named route, not the barrier routes
    expect(namesOf(cds)).toEqual(["echo-c"]);
    expect(namesOf(eds)).toEqual(["echo-c"]);
    expect(new Set([lds, rds, cds, eds].map((r) => r.nonce)).size).toBe(4);

    const status = await waitFor(() => {
      const s = tracker.proxyStatus("ack-proxy");
      return s && Object.keys(s.types).length === 4 ? s : undefined;
    });
    expect(status.mesh).toBe("m-ack");
    for (const t of [LDS, RDS, CDS, EDS]) expect(status.types[t]).toMatchObject({ state: "ACK", ackedVersion: "v1" });
    expect(recorder.of("open", "ack-proxy")).toMatchObject([{ mesh: "m-ack" }]);
  });

  it("sends subscribed names that exist, sorted, and treats an empty first RDS request as none", async () => {
    setSnapshot("m-names", "v1");
    const c = open("names-proxy", "m-names");
    c.subscribe(RDS, []);
    expect(namesOf(await c.next(RDS))).toEqual([]);
    c.subscribe(RDS, ["barrier-3", "missing", "barrier-10", "echo"]);
    expect(namesOf(await c.next(RDS))).toEqual(["barrier-10", "barrier-3", "echo"]);
  });

  it("tracks a NACK with its error_detail, keeps the previous version, and does not re-send what was refused", async () => {
    setSnapshot("m-nack", "v1");
    const c = open("nack-proxy", "m-nack");
    await handshake(c);

    setSnapshot("m-nack", "v2", { lbPolicy: Cluster_LbPolicy.LEAST_REQUEST });
    const refused = await c.next(CDS);
    expect(refused.versionInfo).toBe("v2");
    c.nack(refused, "unsupported lb_policy LEAST_REQUEST");

    const cds = await waitFor(() => {
      const t = tracker.proxyStatus("nack-proxy")?.types[CDS];
      return t?.state === "NACK" ? t : undefined;
    });
    expect(cds).toMatchObject({
      ackedVersion: "v1",
      lastNack: { version: "v2", errorDetail: "unsupported lb_policy LEAST_REQUEST" },
    });
    expect(recorder.of("nack", "nack-proxy")).toMatchObject([
      { typeUrl: CDS, keptVersion: "v1", rejectedVersion: "v2", errorDetail: "unsupported lb_policy LEAST_REQUEST" },
    ]);
    const drained = tracker.drainChanges().statuses.filter((s) => s.proxyId === "nack-proxy" && s.typeUrl === CDS);
    expect(drained).toMatchObject([{ state: "NACK", version: "v2", errorDetail: "unsupported lb_policy LEAST_REQUEST" }]);

    // An unrelated change: the refused clusters are what the proxy last got, so no CDS again.
    const mark = c.received.length;
    setSnapshot("m-nack", "v3", { lbPolicy: Cluster_LbPolicy.LEAST_REQUEST, extraListener: true });
    expect(namesOf(await c.next(LDS))).toEqual(["echo", "echo-2"]);
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([LDS, RDS]);
  });

  it("ignores a request with a stale nonce: no NACK recorded, no subscription change", async () => {
    setSnapshot("m-stale", "v1");
    const c = open("stale-proxy", "m-stale");
    const first = await handshake(c);
    setSnapshot("m-stale", "v2", { lbPolicy: Cluster_LbPolicy.RING_HASH });
    const current = await c.next(CDS);
    const mark = c.received.length;

    c.send({ typeUrl: CDS, responseNonce: first.cds.nonce, versionInfo: "v1", errorDetail: "late complaint" });
    c.send({ typeUrl: CDS, responseNonce: first.cds.nonce, versionInfo: "v1", resourceNames: ["other"] });
    await barrier(c);

    expect(typesSince(c, mark)).toEqual([RDS]);
    expect(recorder.of("nack", "stale-proxy")).toEqual([]);
    expect(tracker.proxyStatus("stale-proxy")?.types[CDS]).toMatchObject({ state: "ACK", ackedVersion: "v1" });

    c.ack(current);
    await waitFor(() => tracker.proxyStatus("stale-proxy")?.types[CDS]?.ackedVersion === "v2");
  });

  it("re-sends only the types whose resources changed", async () => {
    setSnapshot("m-diff", "v1");
    const c = open("diff-proxy", "m-diff");
    await handshake(c);

    let mark = c.received.length;
    setSnapshot("m-diff", "v2", { lbPolicy: Cluster_LbPolicy.RING_HASH });
    const cds = await c.next(CDS);
    expect(cds.versionInfo).toBe("v2");
    c.ack(cds);
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([CDS, RDS]);

    mark = c.received.length;
    setSnapshot("m-diff", "v3", { lbPolicy: Cluster_LbPolicy.ROUND_ROBIN, port: 2222 });
    c.ack(await c.next(CDS));
    const eds = await c.next(EDS);
    c.ack(eds);
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([CDS, EDS, RDS]);
    expect(eds.versionInfo).toBe("v3");

    // Same content under a new version: nothing to send at all.
    mark = c.received.length;
    setSnapshot("m-diff", "v4", { lbPolicy: Cluster_LbPolicy.ROUND_ROBIN, port: 2222 });
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([RDS]);
  });

  it("sends nothing to a proxy when another mesh changes", async () => {
    setSnapshot("m-iso-a", "a1");
    setSnapshot("m-iso-b", "b1");
    const a = open("iso-a", "m-iso-a");
    const b = open("iso-b", "m-iso-b");
    await handshake(a);
    await handshake(b);

    const mark = a.received.length;
    cache.setSnapshot(
      "m-iso-b",
      new Snapshot({ ...resources(), endpoints: [loadAssignment("echo-c", [{ port: 3333 }])] }, "b2"),
    );
    expect((await b.next(EDS)).versionInfo).toBe("b2");
    await barrier(a);
    expect(typesSince(a, mark)).toEqual([RDS]);
  });

  it("does not send types never requested, and answers once the mesh gets its first snapshot", async () => {
    const c = open("late-proxy", "m-late");
    c.subscribe(LDS);
    await waitFor(() => recorder.of("request", "late-proxy").length === 1);
    expect(c.received).toEqual([]);

    setSnapshot("m-late", "v1");
    const lds = await c.next(LDS);
    expect(lds.versionInfo).toBe("v1");
    c.ack(lds);

    const mark = c.received.length;
    setSnapshot("m-late", "v2", { lbPolicy: Cluster_LbPolicy.RING_HASH, port: 4444 });
    await barrier(c);
    expect(typesSince(c, mark)).toEqual([RDS]);
  });

  it("reports a closed stream and drops its watcher, whether half-closed or cancelled", async () => {
    setSnapshot("m-close", "v1");
    const polite = open("polite-proxy", "m-close");
    const rude = open("rude-proxy", "m-close");
    await handshake(polite);
    await handshake(rude);
    expect(cache.watcherCount("m-close")).toBe(2);

    polite.close();
    expect((await polite.ended).code).toBe(0);
    rude.cancel();
    await waitFor(() => recorder.of("closed", "polite-proxy").length === 1 && recorder.of("closed", "rude-proxy").length === 1);

    expect(cache.watcherCount("m-close")).toBe(0);
    expect(tracker.proxyStatus("polite-proxy")).toBeUndefined();
    expect(tracker.drainChanges().disconnected).toEqual(expect.arrayContaining(["polite-proxy", "rude-proxy"]));
    await waitFor(() => fx.ads.activeStreams() === fx.clients.length - 2);
  });
});
