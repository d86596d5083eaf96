/**
 * The whole path with real components at every hop (issue 3): HTTP API ->
 * D1 -> zone Durable Object -> bridge -> ADS -> @grpc/grpc-js-xds client ->
 * real gRPC backends.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { EchoClient } from "../../examples/echo/echo-backend.js";
import { ROOT } from "../../scripts/lib/processes.js";
import { freePort } from "../../scripts/lib/ports.js";
import { ackOf, splitRoute } from "../../scripts/lib/local-mesh.js";
import { useLocalSystem } from "./support/use-local-system.js";

const CLIENT = "e2e-client";
const sys = useLocalSystem({ system: "mesh", xdsClient: { nodeId: CLIENT } });

async function share(n: number): Promise<{ v1: number; v2: number; errors: number }> {
  const out = { v1: 0, v2: 0, errors: 0 };
  for (let i = 0; i < n; i++) {
    try {
      const backend = await sys.client.call();
      if (backend === "echo-v1-a") out.v1++;
      else if (backend === "echo-v2-a") out.v2++;
    } catch {
      out.errors++;
    }
  }
  return out;
}

/** Runs examples/echo/call.ts in its own process: a client with no config of its own yet. */
function freshClientCalls(ads: string, calls: number): Promise<{ counts: Record<string, number>; errors: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "examples/echo/call.ts"), "--ads", ads, "--calls", String(calls), "--json", "--node-id", "fresh-client"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`client exited ${code}`))));
  });
}

describe("API -> D1 -> zone -> bridge -> ADS -> grpc-js-xds", () => {
  it("splits traffic 80/20 as the HTTPRoute says, within 5 points over 1,000 calls", async () => {
    const s = await share(1000);
    expect(s.errors).toBe(0);
    expect(s.v1 + s.v2).toBe(1000);
    expect(s.v1 / 10).toBeGreaterThanOrEqual(75);
    expect(s.v1 / 10).toBeLessThanOrEqual(85);
  });

  it("resolves the host:port form of the target too", async () => {
    const other = new EchoClient("xds:///echo:50051");
    try {
      expect(["echo-v1-a", "echo-v2-a"]).toContain(await other.call());
    } finally {
      other.close();
    }
  });

  it("follows a route change made through the API without restarting", async () => {
    const put = await sys.mesh.api("PUT", "/v1/meshes/default/httproutes/echo-split", splitRoute([0, 100]));
    expect(put.status).toBe(200);
    const revision = (put.body.metadata as { revision: number }).revision;
    await sys.mesh.bridge.waitFor(ackOf(CLIENT, "RouteConfiguration", revision));
    const s = await share(100);
    expect(s).toEqual({ v1: 0, v2: 100, errors: 0 });
  });

  it("reports the client's ACKs per type to the zone, visible through the API", async () => {
    const head = (await sys.mesh.api("GET", "/v1/revision")).body.revision as number;
    let proxy: { proxyId: string; connected: boolean; types: { typeUrl: string; state: string; revision: number }[] } | undefined;
    for (let i = 0; i < 50; i++) {
      const status = await sys.mesh.api("GET", "/v1/zones/default/status");
      proxy = (status.body.proxies as (typeof proxy)[]).find((p) => p?.proxyId === CLIENT);
      if (proxy?.types.find((t) => t.typeUrl.endsWith("RouteConfiguration"))?.revision === head) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(proxy?.connected).toBe(true);
    expect(proxy?.types.map((t) => t.typeUrl.split(".").pop()).sort()).toEqual(["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"]);
    expect(proxy?.types.every((t) => t.state === "ACK")).toBe(true);
    expect(proxy?.types.find((t) => t.typeUrl.endsWith("RouteConfiguration"))?.revision).toBe(head);
  });

  it("fails calls with UNAVAILABLE once the Service is deleted", async () => {
    // The route still names echo: deleting the Service alone is refused (hardening 4), with it is allowed.
    expect((await sys.mesh.api("DELETE", "/v1/meshes/default/services/echo")).status).toBe(409);
    const del = await sys.mesh.api("DELETE", "/v1/meshes/default/services/echo?cascade=true");
    expect(del.status).toBe(200);
    await sys.mesh.bridge.waitFor(ackOf(CLIENT, "Listener", del.body.revision as number));
    let code: number | undefined;
    for (let i = 0; i < 50 && code === undefined; i++) {
      try {
        await sys.client.call();
      } catch (err) {
        code = (err as grpc.ServiceError).code;
      }
    }
    expect(code).toBe(grpc.status.UNAVAILABLE);
  });

  it("serves a fresh client from the on-disk cache when the bridge restarts with the zone unreachable", async () => {
    const put = await sys.mesh.api("PUT", "/v1/meshes/default/services/echo", {
      kind: "Service",
      metadata: { name: "echo" },
      spec: { ports: [{ port: 50051, protocol: "grpc" }] },
    });
    expect(put.status).toBe(201);
    const route = await sys.mesh.api("PUT", "/v1/meshes/default/httproutes/echo-split", splitRoute([0, 100]));
    expect(route.status).toBe(201);
    await sys.mesh.bridge.waitFor((e) => e.event === "zone_update_applied" && Number(e.revision) >= (route.body.metadata as { revision: number }).revision);

    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const bridge = await sys.mesh.restartBridge(nowhere, false);
    const loaded = await bridge.waitFor((e) => e.event === "cache_loaded");
    expect(Number(loaded.revision)).toBe((route.body.metadata as { revision: number }).revision);

    const result = await freshClientCalls(`127.0.0.1:${sys.mesh.adsPort}`, 20);
    expect(result).toEqual({ counts: { "echo-v2-a": 20 }, errors: {} });
    expect(bridge.events.some((e) => e.event === "zone_connected")).toBe(false);
  });
});
