/**
 * The per-hop trace with real processes: wrangler dev (API, D1, the zone
 * object), a real bridge and a real @grpc/grpc-js-xds client. After a route
 * change the resource's status carries a trace with every hop, from the
 * commit to the client's ACK, in order.
 */
import { describe, expect, it } from "vitest";
import type { ResourceStatus } from "../../src/contract/rollout.js";
import { ackOf, splitRoute } from "../../scripts/lib/local-mesh.js";
import { useLocalSystem } from "./support/use-local-system.js";

const CLIENT = "trace-client";
const sys = useLocalSystem({ system: "mesh", xdsClient: { nodeId: CLIENT, warm: true } });

describe("per-hop trace of a revision", () => {
  it("orders every hop from the commit to the grpc-js-xds client's ACK", async () => {
    const put = await sys.mesh.api("PUT", "/v1/meshes/default/httproutes/echo-split", splitRoute([30, 70]));
    expect(put.status).toBe(200);
    const revision = (put.body.metadata as { revision: number }).revision;
    await sys.mesh.bridge.waitFor(ackOf(CLIENT, "RouteConfiguration", revision));

    // The bridge reports on its status beat; the API's commit report follows its sync call.
    let status: ResourceStatus | undefined;
    for (let i = 0; i < 100; i++) {
      status = (await sys.mesh.api("GET", "/v1/meshes/default/httproutes/echo-split/status")).body as unknown as ResourceStatus;
      const bridge = status.trace.zones[0]?.bridges[0];
      if (status.trace.zones[0]?.hops[0]?.ms === 0 && bridge && bridge.hops.at(-1)?.ms !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const trace = status!.trace;
    expect(trace.revision).toBe(revision);
    expect(trace.zones).toHaveLength(1);
    const zone = trace.zones[0]!;
    expect(zone.zone).toBe("default");
    expect(zone.updateRevision).toBe(revision);
    expect(zone.bridges).toHaveLength(1);
    const bridge = zone.bridges[0]!;
    expect(bridge.proxies.pushed).toBeGreaterThanOrEqual(1);
    expect(bridge.proxies.acked).toBe(bridge.proxies.pushed);
    expect(bridge.slowestProxy?.proxyId).toBe(CLIENT);

    const hops = [...zone.hops, ...bridge.hops];
    expect(hops.map((h) => h.hop)).toEqual([
      "committed",
      "zone notified",
      "zone applied",
      "frame sent",
      "bridge received",
      "translated",
      "snapshot published",
      "first proxy pushed",
      "last proxy pushed",
      "last proxy ACKed",
    ]);
    expect(hops.every((h) => h.ms !== null), JSON.stringify(hops)).toBe(true);
    // In order, within what the clock offsets allow (the processes share a clock here, which nothing assumes).
    for (let i = 1; i < hops.length; i++) expect(hops[i]!.ms! + bridge.uncertaintyMs, JSON.stringify(hops)).toBeGreaterThanOrEqual(hops[i - 1]!.ms!);
    expect(bridge.slowestProxy?.ackedMs).toBe(bridge.hops.at(-1)!.ms);
  });
});
