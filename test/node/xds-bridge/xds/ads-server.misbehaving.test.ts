import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DiscoveryRequestSchema } from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { startAdsServer, type AdsServer } from "../../../../src/xds-bridge/xds/ads-server.js";
import { adsServiceDefinition } from "../../../../src/xds-bridge/xds/ads-service.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { SnapshotCache } from "../../../../src/xds-bridge/xds/snapshot-cache.js";
import { TYPE_URL } from "../../../../src/xds-bridge/xds-resources.js";
import { CallbackRecorder } from "../../support/callback-recorder.js";
import { echoXdsResources, routeTo } from "../../support/echo-xds-resources.js";
import { namesOf, RawAdsClient } from "../../support/raw-ads-client.js";
import { waitFor } from "../../support/wait.js";

let cache: SnapshotCache;
let recorder: CallbackRecorder;
let ads: AdsServer;
const serverErrors: unknown[] = [];
const clients: RawAdsClient[] = [];

beforeAll(async () => {
  cache = new SnapshotCache();
  recorder = new CallbackRecorder();
  const resources = echoXdsResources({ backends: [{ port: 1111 }] });
  resources.routes.push(routeTo("barrier", "echo-c"));
  cache.setSnapshot("default", new Snapshot(resources, "v1"));
  ads = await startAdsServer({ cache, callbacks: recorder, onError: (err) => serverErrors.push(err) });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.cancel();
});
afterAll(async () => {
  await ads.close();
});

function open(id: string | undefined): RawAdsClient {
  const c = RawAdsClient.connect(ads.address, id === undefined ? undefined : { id });
  clients.push(c);
  return c;
}

/** A stream that writes raw bytes, to send what no well-typed client would. */
function rawBytesStream(path: string): { call: grpc.ClientDuplexStream<Buffer, Buffer>; ended: Promise<grpc.StatusObject> } {
  const client = new grpc.Client(ads.address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(path, (b: Buffer) => b, (b: Buffer) => b);
  call.on("error", () => {});
  const ended = new Promise<grpc.StatusObject>((resolve) =>
    call.on("status", (s: grpc.StatusObject) => {
      client.close();
      resolve(s);
    }),
  );
  return { call, ended };
}

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
    const { call, ended } = rawBytesStream(adsServiceDefinition.StreamAggregatedResources.path);
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
    const c = open("sds-proxy");
    c.subscribe(TYPE_URL.secret, ["cert"]);
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
      const c = RawAdsClient.connect(fragile.address, { id: "fragile" });
      clients.push(c);
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
