/**
 * A resource a real proxy refuses (issue 5). A BackendPolicy asking for the
 * RingHash load balancer is valid, and Envoy sidecars and gRPC clients run
 * it, but this client runs with ring hash switched off
 * (GRPC_XDS_EXPERIMENTAL_ENABLE_RING_HASH=false, a real @grpc/grpc-js-xds
 * switch the bridge cannot see): it NACKs the Cluster with an error_detail.
 * (LeastRequest, which this test used before, no longer reaches gRPC clients
 * as something they refuse: it travels in load_balancing_policy with a round
 * robin fallback.) Then: status shows the NACK and the error; the client
 * keeps its last good config (the bridge holds the refused cluster back for
 * it); later changes of the same type still reach it; the fix clears it.
 */
import { describe, expect, it } from "vitest";
import { EchoClient } from "../../examples/echo/echo-backend.js";
import { ackOf } from "../../scripts/lib/local-mesh.js";
import { useLocalSystem } from "./support/use-local-system.js";

// Read by @grpc/grpc-js-xds when it loads, which registerXdsClient does later.
process.env.GRPC_XDS_EXPERIMENTAL_ENABLE_RING_HASH = "false";

const CLIENT = "poison-client";
const sys = useLocalSystem({ system: "mesh", xdsClient: { nodeId: CLIENT, warm: true } });

const policy = (type: string) => ({
  kind: "BackendPolicy",
  metadata: { name: "echo-v1-lb" },
  spec: { targetRef: { kind: "Service", name: "echo-v1" }, loadBalancer: { type } },
});

interface ProxyStatus {
  proxyId: string;
  state: string;
  errorDetail?: string;
}

async function proxyState(path: string, want: string): Promise<ProxyStatus> {
  for (let i = 0; i < 100; i++) {
    const res = await sys.mesh.api("GET", path);
    const p = (res.body.proxies as ProxyStatus[] | undefined)?.find((x) => x.proxyId === CLIENT);
    if (p?.state === want) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${CLIENT} never reached ${want} on ${path}`);
}

describe("a resource the proxy refuses", () => {
  it("is NACKed, shows in status with the client's error, and leaves the client on its last good config", async () => {
    const put = await sys.mesh.api("PUT", "/v1/meshes/default/backendpolicies/echo-v1-lb", policy("RingHash"));
    expect(put.status).toBe(201);
    const revision = (put.body.metadata as { revision: number }).revision;
    const nack = await sys.mesh.bridge.waitFor((e) => e.event === "nack" && e.proxy === CLIENT && String(e.type).endsWith(".Cluster"));
    expect(String(nack.error)).toMatch(/lb_policy|RING_HASH/i);

    const status = await proxyState("/v1/meshes/default/backendpolicies/echo-v1-lb/status", "NACK");
    expect(status.errorDetail).toBe(nack.error);
    const proxies = await sys.mesh.api("GET", "/v1/meshes/default/proxies");
    const me = (proxies.body.items as { proxyId: string; types: Record<string, { state: string; revision: number }> }[]).find((p) => p.proxyId === CLIENT);
    expect(me?.types.Cluster).toMatchObject({ state: "NACKED", revision });

    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(await sys.client.call());
    expect(seen).toEqual(new Set(["echo-v1-a", "echo-v2-a"]));
  });

  it("does not stall later changes of the same type", async () => {
    // A new Service with its own workload adds a Cluster the client will
    // subscribe to: it must arrive although the refused echo-v1 cluster is
    // part of the same CDS state of the world.
    const applied = await sys.mesh.api("POST", "/v1/apply", [
      { kind: "Service", metadata: { name: "echo2" }, spec: { ports: [{ port: 50051 }] } },
      { kind: "Workload", metadata: { name: "echo2-a" }, spec: { service: "echo2", address: "127.0.0.1", port: sys.mesh.backends[1]!.port, zone: "default" } },
    ]);
    expect(applied.status).toBe(200);
    const revision = applied.body.revision as number;
    const other = new EchoClient("xds:///echo2");
    try {
      expect(await other.call()).toBe("echo-v2-a");
      const ack = await sys.mesh.bridge.waitFor(ackOf(CLIENT, "Cluster", revision));
      expect(ack.event).toBe("ack");
      expect((await proxyState("/v1/meshes/default/services/echo2/status", "ACK")).state).toBe("ACK");
      // The refused policy is still refused, not silently counted as delivered.
      expect((await proxyState("/v1/meshes/default/backendpolicies/echo-v1-lb/status", "NACK")).state).toBe("NACK");
    } finally {
      other.close();
    }
  });

  it("clears once the resource is fixed", async () => {
    // The fixed cluster is the one the client kept, so nothing new is pushed:
    // the bridge reports the client current, and the hold ends.
    const put = await sys.mesh.api("PUT", "/v1/meshes/default/backendpolicies/echo-v1-lb", policy("RoundRobin"));
    expect(put.status).toBe(200);
    expect((await proxyState("/v1/meshes/default/backendpolicies/echo-v1-lb/status", "ACK")).state).toBe("ACK");
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(await sys.client.call());
    expect(seen).toEqual(new Set(["echo-v1-a", "echo-v2-a"]));
  });
});
