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

async function startBridge(cacheDir: string): Promise<{ bridge: Bridge; admin: string }> {
  const adminPort = await freePort();
  const config = parseBridgeConfig(
    ["--zone", "default", "--control-plane", `http://127.0.0.1:${await freePort()}`, "--ads-port", "0", "--cache-dir", cacheDir, "--admin-port", String(adminPort)],
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
});
