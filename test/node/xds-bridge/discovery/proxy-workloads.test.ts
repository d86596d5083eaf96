/**
 * One of the bridge's two workload sources (issue 4): proxies declaring what
 * they serve in their node metadata, over a real ADS stream.
 */
import { Admission } from "../../../../src/xds-bridge/identity/admission.js";
import type { ProxyInfo } from "../../../../src/xds-bridge/xds/proxy-callbacks.js";
import { WorkloadTokenIssuer } from "../identity/workload-token-issuer.js";
import { afterEach, describe, expect, it } from "vitest";
import { ProxyWorkloads } from "../../../../src/xds-bridge/discovery/proxy-workloads.js";
import { jsonLogger } from "../../../../src/xds-bridge/logger.js";
import { TYPE_URL } from "../../../../src/xds-bridge/xds-resources.js";
import { startAdsServer, type AdsServer } from "../../../../src/xds-bridge/xds/ads-server.js";
import { SnapshotCache } from "../../../../src/xds-bridge/xds/snapshot-cache.js";
import { RawAdsClient } from "../../support/raw-ads-client.js";
import { waitFor } from "../../support/wait.js";

const lines: string[] = [];
const log = jsonLogger("debug", (l) => lines.push(l));
let server: AdsServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("ProxyWorkloads", () => {
  it("registers a proxy's declared workload, marks it unhealthy after the grace period, removes it after expiry", async () => {
    let changes = 0;
    const issuer = await WorkloadTokenIssuer.create("default");
    const admission = new Admission("zone-a");
    admission.update(issuer.state());
    const proxies = new ProxyWorkloads("zone-a", log, () => changes++, admitWith(admission), 100, 400);
    server = await startAdsServer({ cache: new SnapshotCache(), callbacks: proxies });
    const client = RawAdsClient.connect(server.address, {
      id: "Sidecar-1",
      mesh: "default",
      metadata: { service: "echo", address: "10.1.2.3", port: 8080, token: await issuer.token("echo") },
    });
    client.subscribe(TYPE_URL.listener);
    await waitFor(() => proxies.list().length === 1 || undefined);
    expect(proxies.list()).toEqual([
      {
        kind: "Workload",
        metadata: { name: "proxy-sidecar-1", mesh: "default", labels: { "edgeplane.io/source": "proxy" } },
        spec: { service: "echo", address: "10.1.2.3", port: 8080, zone: "zone-a", health: "healthy" },
      },
    ]);
    client.close();
    await waitFor(() => proxies.list()[0]?.spec.health === "unhealthy" || undefined, { timeoutMs: 5_000 });
    await waitFor(() => proxies.list().length === 0 || undefined, { timeoutMs: 5_000 });
    expect(changes).toBe(3);
    proxies.stop();
  });

  it("ignores proxies that declare nothing, and refuses a declared host name", async () => {
    // Admission is not what this test is about: every proxy passes it here.
    const proxies = new ProxyWorkloads("zone-a", log, () => undefined, () => true);
    server = await startAdsServer({ cache: new SnapshotCache(), callbacks: proxies });
    const plain = RawAdsClient.connect(server.address, { id: "plain" });
    const named = RawAdsClient.connect(server.address, { id: "named", metadata: { service: "echo", address: "echo.local", port: 1 } });
    plain.subscribe(TYPE_URL.listener);
    named.subscribe(TYPE_URL.listener);
    await waitFor(() => lines.some((l) => l.includes("proxy_metadata_invalid") && l.includes("named")) || undefined);
    expect(proxies.list()).toEqual([]);
    plain.close();
    named.close();
    proxies.stop();
  });

  it("registers only a proxy whose token admits it, and forgets it as soon as its token is revoked", async () => {
    const issuer = await WorkloadTokenIssuer.create("default");
    const admission = new Admission("zone-a");
    admission.update(issuer.state());
    let changes = 0;
    const proxies = new ProxyWorkloads("zone-a", log, () => changes++, admitWith(admission));
    admission.onChange(() => proxies.recheck());
    server = await startAdsServer({ cache: new SnapshotCache(), callbacks: proxies });
    const declare = (id: string, token?: string) =>
      RawAdsClient.connect(server!.address, { id, mesh: "default", metadata: { service: "echo-v2", address: "10.9.9.9", port: 9000, ...(token ? { token } : {}) } });
    const clients = [
      declare("no-token"),
      declare("other-service", await issuer.token("echo")),
      declare("expired", await issuer.token("echo-v2", { exp: Math.floor(Date.now() / 1000) - 5 })),
      declare("good", await issuer.token("echo-v2", { id: "good-token" })),
    ];
    for (const c of clients) c.subscribe(TYPE_URL.listener);
    await waitFor(() => proxies.list().length === 1 || undefined);
    // The three others had their first request read before the good one's answer could be: none registered.
    await new Promise((r) => setTimeout(r, 100));
    expect(proxies.list().map((w) => w.metadata.name)).toEqual(["proxy-good"]);
    issuer.revoked.push("good-token");
    admission.update(issuer.state());
    expect(proxies.list()).toEqual([]);
    expect(changes).toBe(2);
    for (const c of clients) c.close();
    proxies.stop();
  });
});

function admitWith(admission: Admission) {
  return (proxy: ProxyInfo, service: string) => admission.check(proxy.node.metadata?.["token"], { mesh: proxy.mesh, service }).admitted;
}
