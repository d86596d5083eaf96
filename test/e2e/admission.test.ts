/**
 * Proxy admission end to end (issue 11), with real processes: wrangler dev,
 * a bridge, real gRPC echo backends and a real @grpc/grpc-js-xds client.
 * Processes that reach the bridge's ADS port and declare themselves
 * endpoints of `echo-v2` (node metadata service/address/port) take no
 * traffic unless their workload token admits them; in a strict mesh a
 * proxy without one is served nothing.
 */
import { register } from "@grpc/grpc-js-xds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoClient, startEchoBackend, type EchoBackend } from "../../examples/echo/echo-backend.js";
import { xdsBootstrap } from "../../examples/echo/xds-bootstrap.js";
import { startMesh, type Mesh } from "../../scripts/lib/local-mesh.js";
import { RawAdsClient } from "../node/support/raw-ads-client.js";
import { TYPE_URL } from "../../src/xds-bridge/xds-resources.js";

const MESH = "admission";
let mesh: Mesh;
const backends: EchoBackend[] = [];
const declarers: RawAdsClient[] = [];
let caller: EchoClient | undefined;

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await mesh.api(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function workloadToken(service: string): Promise<{ id: string; token: string }> {
  const body = await api("POST", `/v1/meshes/${MESH}/workload-tokens`, { service, ttlSeconds: 3600 });
  return { id: String(body.id), token: String(body.token) };
}

/** A process declaring itself an endpoint of echo-v2 at its backend's port, with `token` (or none). */
async function declare(name: string, token?: string): Promise<void> {
  const backend = await startEchoBackend(name);
  backends.push(backend);
  const c = RawAdsClient.connect(`127.0.0.1:${mesh.adsPort}`, {
    id: name,
    mesh: MESH,
    metadata: { service: "echo-v2", address: "127.0.0.1", port: backend.port, ...(token ? { token } : {}) },
  });
  c.subscribe(TYPE_URL.listener);
  declarers.push(c);
}

async function outcome(c: EchoClient): Promise<string> {
  try {
    return (await c.callFull("ping")).backend;
  } catch (err) {
    return `code ${(err as { code?: number }).code ?? "?"}`;
  }
}

async function until(c: EchoClient, pred: (o: string) => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = "";
  while (Date.now() < deadline) {
    last = await outcome(c);
    if (pred(last)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no matching outcome within ${ms} ms; last: ${last}`);
}

beforeAll(async () => {
  mesh = await startMesh();
  await api("PUT", `/v1/meshes/${MESH}`, { kind: "Mesh", metadata: { name: MESH }, spec: {} });
  await api("PUT", `/v1/meshes/${MESH}/services/echo-v2`, { kind: "Service", metadata: { name: "echo-v2", mesh: MESH }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } });
}, 180_000);

afterAll(async () => {
  caller?.close();
  for (const d of declarers) d.close();
  await mesh?.stop();
  await Promise.all(backends.map((b) => b.close()));
});

describe("proxy admission", () => {
  let honest: { id: string; token: string };

  it("registers only the process whose token admits it: none, another service's, a revoked or a forged token take no traffic", async () => {
    honest = await workloadToken("echo-v2");
    const other = await workloadToken("echo");
    const revoked = await workloadToken("echo-v2");
    await api("DELETE", `/v1/meshes/${MESH}/workload-tokens/${revoked.id}`);
    const [prefix, payload] = honest.token.split(".");
    const forged = `${prefix}.${payload}.${other.token.split(".")[2]}`;

    await declare("imposter-no-token");
    await declare("imposter-other-service", other.token);
    await declare("imposter-revoked", revoked.token);
    await declare("imposter-forged", forged);
    await declare("honest", honest.token);

    register();
    caller = new EchoClient("xds:///echo-v2", {
      deadlineMs: 5_000,
      channelOptions: { "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": JSON.stringify(xdsBootstrap({ serverAddress: `127.0.0.1:${mesh.adsPort}`, nodeId: "admission-caller", mesh: MESH })) },
    });
    await until(caller, (o) => o === "honest");
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) seen.add(await outcome(caller));
    expect([...seen]).toEqual(["honest"]);
    const workloads = await api("GET", `/v1/meshes/${MESH}/workloads?service=echo-v2`);
    const names = (workloads.items as { metadata: { name: string } }[]).map((w) => w.metadata.name);
    expect(names).toEqual(["proxy-honest"]);
  });

  it("drops the endpoint as soon as its token is revoked", async () => {
    expect(await outcome(caller!)).toBe("honest");
    await api("DELETE", `/v1/meshes/${MESH}/workload-tokens/${honest.id}`);
    await until(caller!, (o) => o !== "honest");
    expect(await outcome(caller!)).not.toBe("honest");
  });

  it("in a strict mesh serves nothing to a proxy without a token, and its config to one with a valid token", async () => {
    const put = await api("PUT", `/v1/meshes/${MESH}`, { kind: "Mesh", metadata: { name: MESH }, spec: { mtls: { mode: "strict" } } });
    const revision = (put.metadata as { revision: number }).revision;
    // Proxies connecting before the bridge applied the strict Mesh would be decided under the old mode.
    for (let i = 0; i < 200; i++) {
      const zone = await api("GET", "/v1/zones/default/status");
      if ((zone.bridges as { connected: boolean; revisionApplied: number }[]).some((b) => b.connected && b.revisionApplied >= revision)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const good = await workloadToken("echo-v2");
    const anonymous = RawAdsClient.connect(`127.0.0.1:${mesh.adsPort}`, { id: "strict-anonymous", mesh: MESH });
    const admitted = RawAdsClient.connect(`127.0.0.1:${mesh.adsPort}`, { id: "strict-admitted", mesh: MESH, metadata: { service: "echo-v2", token: good.token } });
    declarers.push(anonymous, admitted);
    anonymous.subscribe(TYPE_URL.listener);
    admitted.subscribe(TYPE_URL.listener);
    // The admitted one may first meet the bridge before it applied the strict Mesh: any Listener answer is what counts.
    expect((await admitted.next(TYPE_URL.listener, () => true, 15_000)).resources.length).toBeGreaterThan(0);
    await expect(anonymous.next(TYPE_URL.listener, () => true, 3_000)).rejects.toThrow(/no .* response/);
  });
});
