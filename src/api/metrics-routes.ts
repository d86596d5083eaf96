import { Hono } from "hono";
import type { ZoneStatus } from "../contract/zone-status.js";
import { ResourceStore } from "../store/resource-store.js";
import { ZoneRegistry } from "../store/zone-registry.js";
import type { AppEnv } from "./app-env.js";
import { renderPrometheus, type MetricFamily } from "./prometheus-text.js";

/**
 * `GET /v1/metrics`: the control plane's figures in Prometheus text, from
 * what it already keeps (the journal head, each zone's status, the event
 * stream): per zone its revision and lag, bridges connected, proxies by
 * state, the queued inventory report. The bridges serve their own
 * (`/metrics` on their admin port).
 *
 * @example curl -s http://127.0.0.1:8787/v1/metrics | grep edgeplane_zone_lag
 */
export const metricsRoutes = new Hono<AppEnv>();

metricsRoutes.get("/v1/metrics", async (c) => {
  const [head, names] = await Promise.all([new ResourceStore(c.env.DB).head(), new ZoneRegistry(c.env.DB).names()]);
  const zones = await Promise.all(names.map(async (zone) => ({ ...(await c.env.ZONES.get(c.env.ZONES.idFromName(zone)).status()), zone })));
  const events = c.env.EVENTS ? await c.env.EVENTS.get(c.env.EVENTS.idFromName("events")).stats() : undefined;
  const text = renderPrometheus([
    { name: "edgeplane_journal_revision", help: "Newest committed revision", type: "gauge", samples: [{ value: head }] },
    ...zoneFamilies(zones, head),
    ...(events ? [{ name: "edgeplane_event_stream_clients", help: "Clients following GET /v1/events", type: "gauge" as const, samples: [{ value: events.listeners }] }] : []),
  ]);
  return c.body(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
});

function zoneFamilies(zones: ZoneStatus[], head: number): MetricFamily[] {
  const per = (f: (z: ZoneStatus) => number) => zones.map((z) => ({ labels: { zone: z.zone }, value: f(z) }));
  const proxyStates = zones.flatMap((z) => {
    const count = (pred: (p: ZoneStatus["proxies"][number]) => boolean) => z.proxies.filter(pred).length;
    const nacked = (p: ZoneStatus["proxies"][number]) => p.types.some((t) => t.state === "NACK" || t.heldRevision > 0);
    return [
      { labels: { zone: z.zone, state: "connected" }, value: count((p) => p.connected && !nacked(p)) },
      { labels: { zone: z.zone, state: "nacked" }, value: count((p) => p.connected && nacked(p)) },
      { labels: { zone: z.zone, state: "stale" }, value: count((p) => !p.connected) },
    ];
  });
  return [
    { name: "edgeplane_zone_revision", help: "Revision each zone applied", type: "gauge", samples: per((z) => z.revision) },
    { name: "edgeplane_zone_lag_revisions", help: "Revisions each zone is behind the journal", type: "gauge", samples: per((z) => Math.max(0, head - z.revision)) },
    { name: "edgeplane_zone_bridges_connected", help: "Bridges with a live socket, per zone", type: "gauge", samples: per((z) => z.bridges.filter((b) => b.connected).length) },
    { name: "edgeplane_zone_proxies", help: "Proxies per zone by state (nacked: refusing config; stale: disconnected, kept until forgotten)", type: "gauge", samples: proxyStates },
    { name: "edgeplane_zone_endpoint_version", help: "Version of each zone's endpoint layer", type: "gauge", samples: per((z) => z.endpoints.version) },
    { name: "edgeplane_zone_inventory_report_pending", help: "1 while a zone's inventory report waits in its outbox", type: "gauge", samples: per((z) => (z.endpoints.pendingReport > 0 ? 1 : 0)) },
  ];
}
