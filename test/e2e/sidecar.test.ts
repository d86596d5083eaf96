/**
 * Envoy sidecars through the whole system (issue 5): no Envoy binary can be
 * installed here, so a client speaking Envoy's ADS (generated types, SotW and
 * delta) connects to a real bridge as the sidecar of workload echo-v1-a and
 * must get that workload's inbound listener and the mesh's outbound side,
 * served from its own snapshot; proxyless clients keep theirs. Status
 * reports each with its kind (sidecar with its workload, or proxyless).
 */
import { describe, expect, it } from "vitest";
import { TYPE_URL } from "../../src/xds-bridge/xds-resources.js";
import { namesOf, RawAdsClient } from "../node/support/raw-ads-client.js";
import { deltaNamesOf, RawDeltaClient } from "../node/support/raw-delta-client.js";
import { useLocalSystem } from "./support/use-local-system.js";

const sys = useLocalSystem({ system: "mesh" });

const sidecar = { proxyType: "sidecar", workload: "echo-v1-a" };

describe("Envoy sidecars", () => {
  it("serves a sidecar its workload's inbound listener and the outbound side over SotW", async () => {
    const c = RawAdsClient.connect(`127.0.0.1:${sys.mesh.adsPort}`, { id: "sidecar-sotw", mesh: "default", metadata: sidecar });
    c.subscribe(TYPE_URL.listener);
    const lds = await c.next(TYPE_URL.listener);
    const names = namesOf(lds);
    expect(names.some((n) => n.startsWith("inbound:"))).toBe(true);
    expect(names).toContain("outbound:virtual");
    expect(names).not.toContain("echo"); // proxyless api_listeners are not a sidecar's
    c.ack(lds);
    c.subscribe(TYPE_URL.cluster);
    const cds = await c.next(TYPE_URL.cluster);
    expect(namesOf(cds)).toContain("outbound|50051||echo-v2.default");
    expect(namesOf(cds).some((n) => n.startsWith("inbound|"))).toBe(true);
    c.close();

    const proxyless = RawAdsClient.connect(`127.0.0.1:${sys.mesh.adsPort}`, { id: "proxyless", mesh: "default" });
    proxyless.subscribe(TYPE_URL.listener, ["echo"]);
    expect(namesOf(await proxyless.next(TYPE_URL.listener))).toEqual(["echo"]);
    proxyless.close();
  });

  it("serves the same over delta, and pushes the sidecar a change of its mesh", async () => {
    const c = RawDeltaClient.connect(`127.0.0.1:${sys.mesh.adsPort}`, { id: "sidecar-delta", mesh: "default", metadata: sidecar });
    c.subscribe(TYPE_URL.cluster);
    const first = await c.next(TYPE_URL.cluster);
    expect(deltaNamesOf(first)).toContain("outbound|50051||echo.default");
    c.ack(first);
    const put = await sys.mesh.api("PUT", "/v1/meshes/default/services/added", {
      kind: "Service",
      metadata: { name: "added" },
      spec: { ports: [{ port: 9090, protocol: "http" }] },
    });
    expect(put.status).toBe(201);
    const pushed = await c.next(TYPE_URL.cluster, (r) => deltaNamesOf(r).includes("outbound|9090||added.default"));
    expect(deltaNamesOf(pushed)).toEqual(["outbound|9090||added.default"]);
    c.ack(pushed);

    // Status tells the two kinds apart, as the bridge serves them: this sidecar with its workload; a proxyless client as proxyless.
    const grpc = RawAdsClient.connect(`127.0.0.1:${sys.mesh.adsPort}`, { id: "proxyless-kind", mesh: "default" });
    grpc.subscribe(TYPE_URL.listener, ["echo"]);
    grpc.ack(await grpc.next(TYPE_URL.listener));
    type Item = { proxyId: string; kind: string; workload?: string };
    let items: Item[] = [];
    for (let i = 0; i < 100 && !["sidecar-delta", "proxyless-kind"].every((id) => items.some((p) => p.proxyId === id)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      items = (await sys.mesh.api("GET", "/v1/meshes/default/proxies")).body.items as Item[];
    }
    expect(items.find((p) => p.proxyId === "sidecar-delta")).toMatchObject({ kind: "sidecar", workload: "echo-v1-a" });
    expect(items.find((p) => p.proxyId === "proxyless-kind")).toMatchObject({ kind: "proxyless" });
    grpc.close();
    c.close();
  });
});
