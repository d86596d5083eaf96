import { register as registerXdsResolver } from "@grpc/grpc-js-xds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { TypeStatus } from "../../../../src/xds-bridge/xds/proxy-tracker.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { TYPE_URL } from "../../../../src/xds-bridge/xds-resources.js";
import { useAdsFixture } from "../../support/ads-fixture.js";
import { EchoClient, startEchoBackend, type EchoBackend } from "../../../../examples/echo/echo-backend.js";
import { echoXdsResources } from "../../support/echo-xds-resources.js";
import { writeXdsBootstrap } from "../../../../examples/echo/xds-bootstrap.js";
import { waitFor } from "../../support/wait.js";

// The real proxyless client, @grpc/grpc-js-xds, against our ADS server. It
// reads its bootstrap once per process, at the first xds: channel, so the
// file and env are set up in beforeAll before any channel exists (vitest runs
// each test file in its own process).

const NODE_ID = "grpc-xds-client";
const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URL;

const fx = useAdsFixture({ expectNoServerErrors: true });
const { cache, tracker, recorder } = fx;
let a: EchoBackend;
let b: EchoBackend;
let client: EchoClient;
let removeBootstrap: () => Promise<void>;

function typeStatus(typeUrl: string): TypeStatus | undefined {
  return tracker.proxyStatus(NODE_ID)?.types[typeUrl];
}

function publish(version: string, backend: EchoBackend, lbPolicy?: Cluster_LbPolicy): void {
  cache.setSnapshot("default", new Snapshot(echoXdsResources({ backends: [{ port: backend.port }], lbPolicy }), version));
}

beforeAll(async () => {
  a = await startEchoBackend("backend-a");
  b = await startEchoBackend("backend-b");
  const bootstrap = await writeXdsBootstrap({ serverAddress: fx.ads.address, nodeId: NODE_ID, mesh: "default" });
  removeBootstrap = bootstrap.remove;
  process.env["GRPC_XDS_BOOTSTRAP"] = bootstrap.path;
  registerXdsResolver();
});

afterAll(async () => {
  client?.close();
  await a?.close();
  await b?.close();
  await removeBootstrap?.();
});

describe("grpc-js-xds against the ADS server", () => {
  it("resolves xds:///echo through LDS, RDS, CDS and EDS, reaches the backend, and ACKs every type", async () => {
    publish("v1", a);
    client = new EchoClient("xds:///echo");
    expect(await client.call()).toBe("backend-a");

    const firstRequestOrder = [...new Set(recorder.of("request", NODE_ID).map((e) => e.request.typeUrl))];
    expect(firstRequestOrder).toEqual([LDS, RDS, CDS, EDS]);
    await waitFor(() => [LDS, RDS, CDS, EDS].every((t) => typeStatus(t)?.ackedVersion === "v1"), {
      what: "ACKs of v1 for all four types",
    });
    for (const t of [LDS, RDS, CDS, EDS]) expect(typeStatus(t)?.state).toBe("ACK");
    expect(tracker.proxyStatus(NODE_ID)?.mesh).toBe("default");
  });

  it("follows an endpoint change to another backend without restarting, and only EDS is re-sent", async () => {
    const before = recorder.of("response", NODE_ID).length;
    publish("v2", b);
    await waitFor(async () => (await client.call()) === "backend-b", { what: "calls to reach backend-b" });
    await waitFor(() => typeStatus(EDS)?.ackedVersion === "v2", { what: "EDS ACK of v2" });

    expect(recorder.of("response", NODE_ID).slice(before).map((e) => e.typeUrl)).toEqual([EDS]);
    expect(typeStatus(LDS)?.ackedVersion).toBe("v1");
    expect(typeStatus(CDS)?.ackedVersion).toBe("v1");
  });

  it("NACKs a cluster with an unsupported lb_policy, keeps the last good config, and recovers", async () => {
    publish("v3", b, Cluster_LbPolicy.LEAST_REQUEST);
    // The server holds the refused cluster back and re-pushes v3 with the
    // accepted one, which the client ACKs: the NACK stays on record.
    const cds = await waitFor(() => (typeStatus(CDS)?.lastNack?.version === "v3" ? typeStatus(CDS) : undefined), {
      what: "CDS NACK",
    });
    expect(cds?.lastNack?.errorDetail).toMatch(/lb_policy/);
    await waitFor(() => typeStatus(CDS)?.state === "ACK" && typeStatus(CDS)?.ackedVersion === "v3", { what: "CDS ACK of v3 with the hold" });
    const record = tracker.drainChanges().statuses.find((s) => s.proxyId === NODE_ID && s.typeUrl === CDS);
    expect(record).toMatchObject({ state: "ACK", version: "v3", mesh: "default", held: { rejectedVersion: "v3" } });
    expect(record?.held?.names.length).toBe(1);
    expect(record?.held?.errorDetail).toMatch(/lb_policy/);

    // Still routed by the previous, accepted configuration.
    expect(await client.call()).toBe("backend-b");
    expect(await client.call()).toBe("backend-b");

    // v4 restores the cluster the client kept: nothing new to push for CDS,
    // the client is reported current at v4 and the hold ends.
    publish("v4", a);
    await waitFor(async () => (await client.call()) === "backend-a", { what: "calls back on backend-a" });
    const current = await waitFor(
      () => tracker.drainChanges().statuses.find((s) => s.proxyId === NODE_ID && s.typeUrl === CDS && s.version === "v4"),
      { what: "CDS current at v4" },
    );
    expect(current).toMatchObject({ state: "ACK", version: "v4" });
    expect(current.held).toBeUndefined();
  });
});
