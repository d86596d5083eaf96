import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AckState } from "../../src/contract/zone-protocol/zone_pb.js";
import { call, fetchAsAdmin, journalHead, service } from "./api-helpers.js";
import type { ZoneSocket } from "./zone-socket.js";
import { connectedBridge } from "./connected-bridge.js";

const TYPES = ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"].map((t) => `type.googleapis.com/envoy.x.${t}`);

const zoneWithBridge = (zone: string) => connectedBridge(zone);

function report(sock: ZoneSocket, proxyId: string, revision: number, nack?: { type: string; error: string }) {
  sock.send({
    case: "status",
    value: {
      proxies: TYPES.map((typeUrl) => ({
        proxyId,
        mesh: "default",
        typeUrl,
        state: nack && typeUrl.endsWith(nack.type) ? AckState.NACK : AckState.ACK,
        revision: BigInt(revision),
        errorDetail: nack && typeUrl.endsWith(nack.type) ? nack.error : "",
        atMs: BigInt(Date.now()),
      })),
    },
  });
}

async function statusUntil(path: string, pred: (b: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const res = await call("GET", path);
    if (pred(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} never matched: ${JSON.stringify((await call("GET", path)).body).slice(0, 1500)}`);
}

describe("rollout status", () => {
  it("shows per zone and per proxy whether a resource's latest revision arrived", async () => {
    const sock = await zoneWithBridge("st-a");
    const put = await call("PUT", "/v1/meshes/default/services/st-echo", service("st-echo"));
    const rev = (put.body.metadata as { revision: number }).revision;
    await sock.nextUpdate();
    report(sock, "p-old", rev - 1);
    report(sock, "p-new", rev);
    const body = await statusUntil("/v1/meshes/default/services/st-echo/status", (b) => ((b.proxies as unknown[]) ?? []).length >= 2);
    expect(body).toMatchObject({ kind: "Service", name: "st-echo", revision: rev, deleted: false });
    expect(body.zones).toContainEqual({ zone: "st-a", appliedRevision: rev, applied: true });
    const proxies = body.proxies as { proxyId: string; state: string; writeToAckMs?: number }[];
    expect(proxies.find((p) => p.proxyId === "p-new")).toMatchObject({ state: "ACK", zone: "st-a" });
    expect(proxies.find((p) => p.proxyId === "p-old")).toMatchObject({ state: "PENDING" });
    expect(body.done).toBe(false);

    report(sock, "p-old", rev, { type: "RouteConfiguration", error: "invalid regex" });
    const nacked = await statusUntil("/v1/meshes/default/services/st-echo/status", (b) =>
      (b.proxies as { proxyId: string; state: string }[]).some((p) => p.proxyId === "p-old" && p.state === "NACK"),
    );
    expect((nacked.proxies as { proxyId: string; errorDetail?: string }[]).find((p) => p.proxyId === "p-old")?.errorDetail).toBe("invalid regex");
    expect(nacked.summary).toMatchObject({ acked: 1, nacked: 1, pending: 0 });

    const list = await call("GET", "/v1/meshes/default/proxies");
    const old = (list.body.items as { proxyId: string; types: Record<string, { state: string; errorDetail?: string }> }[]).find((p) => p.proxyId === "p-old");
    expect(old?.types.RouteConfiguration).toEqual({ state: "NACKED", revision: rev, errorDetail: "invalid regex" });
    expect(old?.types.Listener?.state).toBe("SYNCED");
    sock.close();
  });

  it("answers 404 for a resource that never existed", async () => {
    const res = await call("GET", "/v1/meshes/default/services/never/status");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });
});

describe("proxies over time (hardening 11)", () => {
  it("counts proxies connected at write time; one that joined later is reported apart and does not hold the rollout up", async () => {
    const sock = await zoneWithBridge("st-late");
    const put = await call("PUT", "/v1/meshes/default/services/st-late", service("st-late"));
    const rev = (put.body.metadata as { revision: number }).revision;
    await sock.nextUpdate();
    report(sock, "p-early", rev);
    // Joined when its bridge already held the revision, and still waiting for one of its types.
    sock.send({
      case: "status",
      value: { proxies: [{ proxyId: "p-late", mesh: "default", typeUrl: TYPES[0]!, state: AckState.ACK, revision: BigInt(rev - 1), atMs: BigInt(Date.now()), joinedRevision: BigInt(rev) }] },
    });
    const body = await statusUntil("/v1/meshes/default/services/st-late/status", (b) =>
      (b.proxies as { proxyId: string }[]).some((p) => p.proxyId === "p-late") && (b.proxies as { proxyId: string }[]).some((p) => p.proxyId === "p-early"),
    );
    const here = (body.proxies as { proxyId: string; zone: string; state: string; joinedAfterWrite?: boolean; writeToAckMs?: number }[]).filter((p) => p.zone === "st-late");
    expect(here.find((p) => p.proxyId === "p-late")).toMatchObject({ state: "PENDING", joinedAfterWrite: true });
    expect(here.find((p) => p.proxyId === "p-late")?.writeToAckMs).toBeUndefined();
    expect(here.find((p) => p.proxyId === "p-early")).toMatchObject({ state: "ACK" });
    expect(here.find((p) => p.proxyId === "p-early")?.joinedAfterWrite).toBeUndefined();
    expect((body.summary as { joinedLater: number }).joinedLater).toBe(1);
    // The earlier tests' proxies are gone (their sockets closed): only the late joiner still waits.
    expect(body.done).toBe(true);
    sock.close();
  });

  it("hides disconnected proxies unless asked, and forgets them after the retention period", async () => {
    const sock = await zoneWithBridge("st-gone");
    const put = await call("PUT", "/v1/meshes/default/services/st-gone", service("st-gone"));
    const rev = (put.body.metadata as { revision: number }).revision;
    await sock.nextUpdate();
    report(sock, "p-live", rev);
    report(sock, "p-dead", rev);
    await statusUntil("/v1/meshes/default/proxies", (b) => (b.items as { proxyId: string }[]).filter((p) => p.proxyId.startsWith("p-") && ["p-live", "p-dead"].includes(p.proxyId)).length === 2);
    sock.send({ case: "status", value: { proxies: [], disconnected: ["p-dead"] } });
    const ids = async (query = "") =>
      ((await call("GET", `/v1/meshes/default/proxies${query}`)).body.items as { proxyId: string; connected: boolean }[]).map((p) => p.proxyId);
    await statusUntil("/v1/meshes/default/proxies?all=true", (b) => (b.items as { proxyId: string; connected: boolean }[]).some((p) => p.proxyId === "p-dead" && !p.connected));
    expect(await ids()).toContain("p-live");
    expect(await ids()).not.toContain("p-dead");
    expect(await ids("?all=true")).toContain("p-dead");
    expect(await ids("?all=1")).toContain("p-dead");
    const bad = await call("GET", "/v1/meshes/default/proxies?all=yes");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "invalid_query", field: "all" });

    const stub = env.ZONES.get(env.ZONES.idFromName("st-gone"));
    await runInDurableObject(stub, async (_obj, state) => {
      state.storage.sql.exec("UPDATE proxy_status SET disconnected_at_ms = ? WHERE proxy_id = 'p-dead'", Date.now() - 2 * 3_600_000);
    });
    expect(await ids("?all=true")).not.toContain("p-dead");
    expect(await ids("?all=true")).toContain("p-live");
    sock.close();
  });
});

describe("boolean query parameters (hardening 13)", () => {
  it("reads dryRun=1 as a dry run and refuses a value that is neither true nor false", async () => {
    const head = await journalHead();
    const dry = await call("POST", "/v1/apply?dryRun=1", [service("dry-one")]);
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(await journalHead()).toBe(head);
    const bad = await call("POST", "/v1/apply?dryRun=yes", [service("dry-one")]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "invalid_query", field: "dryRun" });
    expect(await journalHead()).toBe(head);
  });
});

describe("GET /v1/metrics (hardening 20)", () => {
  it("reports zones, bridges, proxies by state and lag in Prometheus text", async () => {
    const sock = await zoneWithBridge("st-metrics");
    const put = await call("PUT", "/v1/meshes/default/services/st-m", service("st-m"));
    await sock.nextUpdate();
    report(sock, "p-metrics", (put.body.metadata as { revision: number }).revision, { type: "Cluster", error: "bad" });
    let text = "";
    for (let i = 0; i < 50 && !text.includes('edgeplane_zone_proxies{zone="st-metrics",state="nacked"} 1'); i++) {
      const res = await fetchAsAdmin("http://api/v1/metrics");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      text = await res.text();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(text).toContain("# TYPE edgeplane_journal_revision gauge");
    expect(text).toContain('edgeplane_zone_proxies{zone="st-metrics",state="nacked"} 1');
    expect(text).toContain('edgeplane_zone_bridges_connected{zone="st-metrics"} 1');
    expect(text).toMatch(/edgeplane_zone_lag_revisions\{zone="st-metrics"\} 0/);
    sock.close();
  });

  it("tells sidecars from proxyless clients by what their bridge serves them", async () => {
    const sock = await zoneWithBridge("st-kind");
    const put = await call("PUT", "/v1/meshes/default/services/st-kind", service("st-kind"));
    const rev = (put.body.metadata as { revision: number }).revision;
    await sock.nextUpdate();
    report(sock, "p-grpc", rev);
    sock.send({
      case: "status",
      value: { proxies: TYPES.map((typeUrl) => ({ proxyId: "p-envoy", mesh: "default", typeUrl, state: AckState.ACK, revision: BigInt(rev), atMs: BigInt(Date.now()), workload: "web-1" })) },
    });
    type Item = { proxyId: string; kind: string; workload?: string };
    const body = await statusUntil("/v1/meshes/default/proxies", (b) => ["p-grpc", "p-envoy"].every((id) => (b.items as Item[]).some((p) => p.proxyId === id)));
    const items = body.items as Item[];
    expect(items.find((p) => p.proxyId === "p-envoy")).toMatchObject({ kind: "sidecar", workload: "web-1" });
    expect(items.find((p) => p.proxyId === "p-grpc")).toMatchObject({ kind: "proxyless" });
    expect(items.find((p) => p.proxyId === "p-grpc")).not.toHaveProperty("workload");
    sock.close();
  });
});
