/**
 * Hardening 20, bridge side: the admin endpoint's probes and Prometheus
 * metrics, on a real Bridge process object (its ADS server, admin server
 * and disk cache), with a raw ADS client. The zone is unreachable on
 * purpose: readiness comes from the cache.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateResource } from "../../../src/contract/resource-schema.js";
import { ZoneModel } from "../../../src/contract/zone-model.js";
import { Bridge } from "../../../src/xds-bridge/bridge.js";
import { parseBridgeConfig, type BridgeConfig } from "../../../src/xds-bridge/bridge-config.js";
import { jsonLogger } from "../../../src/xds-bridge/logger.js";
import { StateCache } from "../../../src/xds-bridge/state-cache.js";
import { TYPE_URL } from "../../../src/xds-bridge/xds-resources.js";
import { freePort } from "../../../scripts/lib/ports.js";
import { RawAdsClient } from "../support/raw-ads-client.js";

let dir: string;
const bridges: Bridge[] = [];

async function startBridge(cacheDir: string, extra: string[] = []): Promise<{ bridge: Bridge; admin: string }> {
  const adminPort = await freePort();
  const config = parseBridgeConfig(
    ["--zone", "default", "--control-plane", `http://127.0.0.1:${await freePort()}`, "--ads-port", "0", "--cache-dir", cacheDir, "--admin-port", String(adminPort), ...extra],
    {},
    () => "",
  ) as BridgeConfig;
  const bridge = await Bridge.start(config, jsonLogger("error", () => undefined));
  bridges.push(bridge);
  return { bridge, admin: `http://127.0.0.1:${adminPort}` };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "edgeplane-admin-"));
  const model = ZoneModel.of(
    [
      { kind: "Service", metadata: { name: "echo", mesh: "default" }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } },
      { kind: "Workload", metadata: { name: "echo-1", mesh: "default" }, spec: { service: "echo", address: "127.0.0.1", port: 50061, zone: "default" } },
    ].map((d) => validateResource(d)),
    7,
  );
  const cache = new StateCache(join(dir, "warm"), "default");
  cache.save(model, "0", new Map(), { version: 0, workloads: [] });
  await cache.flush();
});

afterAll(async () => {
  for (const b of bridges) await b.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("bridge admin endpoint", () => {
  it("is alive at once and ready only with a state to serve", async () => {
    const cold = await startBridge(join(dir, "cold"));
    expect((await fetch(`${cold.admin}/healthz`)).status).toBe(200);
    expect((await fetch(`${cold.admin}/readyz`)).status).toBe(503);
    const warm = await startBridge(join(dir, "warm"));
    expect((await fetch(`${warm.admin}/readyz`)).status).toBe(200);
  });

  it("counts proxies, pushes, bytes, ACKs and push-to-ACK time, and shows the zone link down", async () => {
    const { bridge, admin } = await startBridge(join(dir, "warm"));
    const client = RawAdsClient.connect(bridge.adsAddress, { id: "metrics-client", mesh: "default" });
    client.subscribe(TYPE_URL.listener, ["echo"]);
    const lds = await client.next(TYPE_URL.listener);
    client.ack(lds);
    let text = "";
    for (let i = 0; i < 50 && !/edgeplane_bridge_acks_total\{type="Listener"\} 1/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 20));
      const res = await fetch(`${admin}/metrics`);
      expect(res.headers.get("content-type")).toContain("text/plain");
      text = await res.text();
    }
    expect(text).toMatch(/edgeplane_bridge_proxies\{kind="proxyless"\} 1/);
    expect(text).toMatch(/edgeplane_bridge_pushes_total\{type="Listener"\} 1/);
    expect(text).toMatch(/edgeplane_bridge_pushed_bytes_total\{type="Listener"\} [1-9]\d*/);
    expect(text).toMatch(/edgeplane_bridge_acks_total\{type="Listener"\} 1/);
    expect(text).toMatch(/edgeplane_bridge_push_to_ack_seconds_count\{type="Listener"\} 1/);
    expect(text).toMatch(/edgeplane_bridge_zone_connected 0/);
    expect(text).toMatch(/edgeplane_bridge_zone_revision 7/);
    client.close();
  });

  it("answers GET /ads-tls with the TLS port, the bridge's SPIFFE ID and the trust bundle file, and 404 without --ads-tls-port", async () => {
    const plain = await startBridge(join(dir, "warm"));
    expect((await fetch(`${plain.admin}/ads-tls`)).status).toBe(404);
    const tls = await startBridge(join(dir, "tls"), ["--ads-tls-port", "0", "--ads-tls-mesh", "secure"]);
    const res = await fetch(`${tls.admin}/ads-tls`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    // No zone here: the certificate is still pending, and the port drops connections until it is issued.
    expect(body).toMatchObject({ mesh: "secure", spiffeId: "spiffe://secure/zone/default/bridge", state: "pending", trustBundleFile: join(dir, "tls", "certs", "secure", "_bridge", "ca.pem") });
    expect(body["port"]).toBeGreaterThan(0);
    expect(body["address"]).toBe(tls.bridge.adsTlsAddress);
  });
});

describe("bridge config: the TLS ADS port", () => {
  const parse = (args: string[], env: NodeJS.ProcessEnv = {}) => parseBridgeConfig(args, env, () => "") as BridgeConfig;
  it("is off by default, set by flag or environment, and refuses bad values naming the flag", () => {
    expect(parse([])).toMatchObject({ adsTlsPort: undefined, adsTlsMesh: "default" });
    expect(parse(["--ads-tls-port", "18443", "--ads-tls-mesh", "secure"])).toMatchObject({ adsTlsPort: 18443, adsTlsMesh: "secure" });
    expect(parse([], { EDGEPLANE_ADS_TLS_PORT: "18444", EDGEPLANE_ADS_TLS_MESH: "m" })).toMatchObject({ adsTlsPort: 18444, adsTlsMesh: "m" });
    expect(() => parse(["--ads-tls-port", "70000"])).toThrow(/--ads-tls-port/);
    expect(() => parse(["--ads-tls-mesh", "Bad/Mesh"])).toThrow(/--ads-tls-mesh/);
    expect(() => parse(["--ads-port", "18000", "--ads-tls-port", "18000"])).toThrow(/ports of their own/);
  });
});
