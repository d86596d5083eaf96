import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DiscoveryRequestSchema } from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { startAdsServer } from "../../../../src/xds-bridge/xds/ads-server.js";
import { adsServiceDefinition } from "../../../../src/xds-bridge/xds/ads-service.js";
import { TYPE_URL } from "../../../../src/xds-bridge/xds-resources.js";
import { useAdsFixture } from "../../support/ads-fixture.js";
import { echoXdsResources, routeTo } from "../../support/echo-xds-resources.js";
import { namesOf, type RawAdsClient } from "../../support/raw-ads-client.js";
import { rawBytesStream } from "../../support/raw-bytes-stream.js";
import { waitFor } from "../../support/wait.js";

const fx = useAdsFixture({ expectNoServerErrors: false });
const { cache, recorder, serverErrors } = fx;
const resources = echoXdsResources({ backends: [{ port: 1111 }] });
resources.routes.push(routeTo("barrier", "echo-c"));
fx.setSnapshot("default", resources, "v1");

const open = (id: string | undefined): RawAdsClient => fx.sotw(id === undefined ? undefined : { id });

/** The server still serves a well-behaved proxy. */
async function stillServes(id: string): Promise<void> {
  const c = open(id);
  c.subscribe(TYPE_URL.listener);
  expect(namesOf(await c.next(TYPE_URL.listener))).toEqual(["echo"]);
}

describe("ADS server facing misbehaving clients", () => {
  it("ends a stream whose first request has no node with INVALID_ARGUMENT", async () => {
    const c = open(undefined);
    c.send({ typeUrl: TYPE_URL.listener });
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/node/);
    await stillServes("after-no-node");
  });

  it("ends a stream with an empty type_url with INVALID_ARGUMENT and reports it closed", async () => {
    const c = open("no-type");
    c.send({ typeUrl: "" });
    const status = await c.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/type_url/);
    await waitFor(() => recorder.of("closed", "no-type").length === 1);
    expect(serverErrors).toEqual([]);
  });

  it("survives bytes that are not a DiscoveryRequest, cleaning up the stream", async () => {
    const { call, ended } = rawBytesStream(fx.ads.address, adsServiceDefinition.StreamAggregatedResources.path);
    const hello = create(DiscoveryRequestSchema, { node: { id: "garbler" }, typeUrl: TYPE_URL.listener });
    call.write(Buffer.from(toBinary(DiscoveryRequestSchema, hello)));
    await waitFor(() => recorder.of("response", "garbler").length === 1);
    expect(cache.watcherCount("default")).toBeGreaterThan(0);

    call.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    const status = await ended;
    expect(status.code).toBe(grpc.status.INTERNAL);
    await waitFor(() => recorder.of("closed", "garbler").length === 1);
    await stillServes("after-garbage");
  });

  it("leaves types it does not serve unanswered", async () => {
    // RTDS: a type Envoy may ask for that this server does not serve (Secrets it does, for sidecars).
    const c = open("rtds-proxy");
    c.subscribe("type.googleapis.com/envoy.service.runtime.v3.Runtime", ["layer"]);
    c.subscribe(TYPE_URL.route, ["barrier"]);
    expect(namesOf(await c.next(TYPE_URL.route))).toEqual(["barrier"]);
    expect(c.received.map((r) => r.typeUrl)).toEqual([TYPE_URL.route]);
  });

  it("reports a throwing callback through onError and keeps the stream working", async () => {
    const errors: string[] = [];
    const fragile = await startAdsServer({
      cache,
      callbacks: {
        onAck: () => {
          throw new Error("status sink down");
        },
      },
      onError: (err, context) => errors.push(`${context}: ${err instanceof Error ? err.message : String(err)}`),
    });
    try {
      const c = fx.sotw({ id: "fragile" }, fragile.address);
      c.subscribe(TYPE_URL.listener);
      c.ack(await c.next(TYPE_URL.listener));
      c.subscribe(TYPE_URL.route, ["echo"]);
      expect(namesOf(await c.next(TYPE_URL.route))).toEqual(["echo"]);
      expect(errors).toEqual(["callback onAck: status sink down"]);
    } finally {
      await fragile.close();
    }
  });
});
