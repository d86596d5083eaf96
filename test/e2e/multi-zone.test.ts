/**
 * Two zones, a bridge each, a backend registered in each from the bridge's
 * workloads directory (issue 4). A @grpc/grpc-js-xds client in zone a
 * reaches the service through its local endpoint, fails over to zone b when
 * a's workload turns unhealthy, and comes back when it recovers, without a
 * restart. Then zone a is cut off from D1 and the global plane (the
 * /faults switch of the zone's uplink, EDGEPLANE_FAULTS=on in this wrangler
 * dev): a local endpoint change still reaches the client, and the inventory
 * report queued meanwhile arrives once the zone is reconnected.
 */
import { describe, expect, it } from "vitest";
import { useLocalSystem } from "./support/use-local-system.js";

const sys = useLocalSystem({ system: "two-zones", xdsClient: { nodeId: "client-in-a" } });

/** Calls until `backend` answers (the client follows pushes asynchronously), then `n` more. */
async function settlesOn(backend: string, n = 20): Promise<Record<string, number>> {
  for (let i = 0; i < 300; i++) {
    if ((await sys.client.call().catch(() => "")) === backend) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const b = await sys.client.call().catch((e: { details?: string }) => `error: ${e.details}`);
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return counts;
}

async function workloadHealth(zone: string): Promise<string | undefined> {
  const res = await sys.zones.api("GET", `/v1/meshes/default/workloads?zone=${zone}&service=echo`);
  return (res.body.items as { status: { health: string } }[])[0]?.status.health;
}

describe("two zones", () => {
  it("lists both zones with their connected bridges", async () => {
    const res = await sys.zones.api("GET", "/v1/zones");
    const items = res.body.items as { name: string; declared: boolean; lag: number; bridges: { connected: boolean }[] }[];
    expect(items.map((z) => [z.name, z.declared, z.bridges.map((b) => b.connected)])).toEqual([
      ["a", true, [true]],
      ["b", true, [true]],
    ]);
  });

  it("sends a zone-a client to its local endpoint", async () => {
    expect(await settlesOn("echo-a")).toEqual({ "echo-a": 20 });
  });

  it("fails over to zone b when a's workload is unhealthy, and returns when it recovers", async () => {
    await sys.zones.a.setHealth("unhealthy");
    expect(await settlesOn("echo-b")).toEqual({ "echo-b": 20 });
    await sys.zones.a.setHealth("healthy");
    expect(await settlesOn("echo-a")).toEqual({ "echo-a": 20 });
  });

  it("keeps zone a working while it is cut off, and delivers its queued report afterwards", async () => {
    expect((await sys.zones.api("POST", "/v1/zones/a/faults", { uplinkDown: true })).status).toBe(200);
    await sys.zones.a.setHealth("unhealthy");
    expect(await settlesOn("echo-b")).toEqual({ "echo-b": 20 });
    // The global plane has not heard of it: the report waits in zone a's outbox.
    expect(await workloadHealth("a")).toBe("healthy");
    const down = (await sys.zones.api("GET", "/v1/zones")).body.items as { name: string; endpoints: { pendingReport: number } }[];
    expect(down.find((z) => z.name === "a")?.endpoints.pendingReport).toBeGreaterThan(0);

    const up = await sys.zones.api("POST", "/v1/zones/a/faults", { uplinkDown: false });
    expect((up.body.endpoints as { pendingReport: number }).pendingReport).toBe(0);
    expect(await workloadHealth("a")).toBe("unhealthy");
    await sys.zones.a.setHealth("healthy");
    expect(await settlesOn("echo-a")).toEqual({ "echo-a": 20 });
  });
});
