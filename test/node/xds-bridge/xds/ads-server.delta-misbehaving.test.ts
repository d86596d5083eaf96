import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DeltaDiscoveryRequestSchema } from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { adsServiceDefinition } from "../../../../src/xds-bridge/xds/ads-service.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { TYPE_URL } from "../../../../src/xds-bridge/xds-resources.js";
import { useAdsFixture } from "../../support/ads-fixture.js";
import { echoXdsResources, routeTo } from "../../support/echo-xds-resources.js";
import { rawBytesStream } from "../../support/raw-bytes-stream.js";
import { deltaNamesOf, type RawDeltaClient } from "../../support/raw-delta-client.js";
import { waitFor } from "../../support/wait.js";

const fx = useAdsFixture({ expectNoServerErrors: false });
const { cache, recorder, tracker, serverErrors } = fx;
const resources = echoXdsResources({ backends: [{ port: 1111 }] });
resources.routes.push(routeTo("barrier", "echo-c"));
fx.setSnapshot("default", resources, "v1");

const open = (id: string | undefined, mesh?: string): RawDeltaClient => fx.delta(id === undefined ? undefined : { id, mesh });

/** The server still serves a well-behaved delta client. */
async function stillServes(id: string): Promise<void> {
  const c = open(id);
  c.subscribe(TYPE_URL.listener);
  expect(deltaNamesOf(await c.next(TYPE_URL.listener))).toEqual(["echo"]);
}

describe("delta ADS facing misbehaving clients", () => {
  it("ends a stream whose first request has no node with INVALID_ARGUMENT", async () => {
    const c = open(undefined);
    c.subscribe(TYPE_URL.listener);
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/node/);
    await stillServes("after-no-node");
  });

  it("ends a stream with an empty type_url with INVALID_ARGUMENT and reports it closed", async () => {
    const c = open("delta-no-type");
    c.subscribe("");
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/type_url/);
    await waitFor(() => recorder.of("closed", "delta-no-type").length === 1);
    expect(serverErrors).toEqual([]);
  });

  it("survives bytes that are not a DeltaDiscoveryRequest, cleaning up the stream", async () => {
    const { call, ended } = rawBytesStream(fx.ads.address, adsServiceDefinition.DeltaAggregatedResources.path);
    const hello = create(DeltaDiscoveryRequestSchema, { node: { id: "delta-garbler" }, typeUrl: TYPE_URL.listener });
    call.write(Buffer.from(toBinary(DeltaDiscoveryRequestSchema, hello)));
    await waitFor(() => recorder.of("response", "delta-garbler").length === 1);

    call.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect((await ended).code).toBe(grpc.status.INTERNAL);
    await waitFor(() => recorder.of("closed", "delta-garbler").length === 1);
    await stillServes("after-garbage");
  });

  it("leaves types it does not serve unanswered, and takes odd requests in its stride", async () => {
    const c = open("delta-odd");
    c.subscribe(TYPE_URL.secret, ["cert"]);
    c.send({ typeUrl: TYPE_URL.route, responseNonce: "never-sent", unsubscribe: ["not-subscribed"] });
    c.send({ typeUrl: TYPE_URL.route, subscribe: ["barrier", "barrier"] });
    expect(deltaNamesOf(await c.next(TYPE_URL.route))).toEqual(["barrier"]);
    expect(c.received.map((r) => r.typeUrl)).toEqual([TYPE_URL.route]);
    expect(recorder.of("request", "delta-odd")).toHaveLength(3);
    expect(serverErrors).toEqual([]);
  });

  it("reports a closed stream and drops its watcher, whether half-closed or cancelled", async () => {
    cache.setSnapshot("delta-close", new Snapshot(echoXdsResources({ backends: [{ port: 1111 }] }), "v1"));
    const polite = open("polite-delta", "delta-close");
    const rude = open("rude-delta", "delta-close");
    for (const c of [polite, rude]) {
      c.subscribe(TYPE_URL.cluster);
      c.ack(await c.next(TYPE_URL.cluster));
    }
    expect(cache.watcherCount("delta-close")).toBe(2);
    polite.close();
    expect((await polite.ended).code).toBe(grpc.status.OK);
    rude.cancel();
    await waitFor(() => recorder.of("closed", "polite-delta").length === 1 && recorder.of("closed", "rude-delta").length === 1);
    expect(cache.watcherCount("delta-close")).toBe(0);
    expect(tracker.drainChanges().disconnected).toEqual(expect.arrayContaining(["polite-delta", "rude-delta"]));
  });
});
