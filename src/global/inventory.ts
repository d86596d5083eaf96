import type { EndpointRow, InventoryReport, RemoteRow } from "../contract/endpoint-inventory.js";
import { keyString } from "../contract/resource-types.js";
import type { Env } from "../env.js";
import { InventoryStore } from "../store/inventory-store.js";
import { ZoneRegistry } from "../store/zone-registry.js";

/**
 * The global plane's half of cross-zone discovery (issue 4). A zone reports
 * its inventory here; it is stored in D1 (only if newer than what is stored,
 * so a retried report is a no-op) and the other zones are woken to pull it.
 *
 * @example if (await storeInventory(env, report)) await wakeOtherZones(env, report.zone);
 */
export async function storeInventory(env: Env, report: InventoryReport): Promise<boolean> {
  return new InventoryStore(env.DB).storeIfNewer(report, new Date().toISOString());
}

export async function wakeOtherZones(env: Env, except: string): Promise<void> {
  const zones = (await new ZoneRegistry(env.DB).names()).filter((z) => z !== except);
  const results = await Promise.allSettled(zones.map((z) => env.ZONES.get(env.ZONES.idFromName(z)).remoteInventoryChanged()));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error(`zone ${zones[i]}: remoteInventoryChanged failed: ${String(r.reason)}`);
  });
}

/**
 * What every other zone reported, as workloads to serve from `zone`. A
 * remote zone with an ingress is reached through it: one endpoint per
 * service, standing for (weighted by) that zone's healthy instances.
 */
export async function remoteWorkloads(env: Env, zone: string): Promise<RemoteRow[]> {
  const reports = await new InventoryStore(env.DB).except(zone);
  return reports.flatMap((r) =>
    r.ingress ? throughIngress(r.zone, r.ingress, r.workloads) : r.workloads.map((w) => ({ ...w, zone: r.zone })),
  );
}

interface WorkloadDoc {
  metadata: { name: string; mesh?: string };
  spec: { service: string; health?: string; weight?: number };
}

function throughIngress(zone: string, ingress: { address: string; port: number }, workloads: EndpointRow[]): RemoteRow[] {
  const healthy = new Map<string, { mesh: string; service: string; count: number }>();
  for (const w of workloads) {
    const doc = JSON.parse(w.document) as WorkloadDoc;
    if (doc.spec.health === "unhealthy") continue;
    const id = `${w.mesh}/${doc.spec.service}`;
    const entry = healthy.get(id) ?? { mesh: w.mesh, service: doc.spec.service, count: 0 };
    entry.count += doc.spec.weight ?? 1;
    healthy.set(id, entry);
  }
  return [...healthy.values()].map(({ mesh, service, count }) => {
    const name = `${zone}-ingress-${service}`.slice(0, 63).replace(/-+$/, "");
    const document = JSON.stringify({
      kind: "Workload",
      metadata: { name, mesh, labels: { "edgeplane.io/ingress": zone } },
      spec: { service, address: ingress.address, port: ingress.port, zone, health: "healthy", weight: count },
    });
    return { zone, key: keyString({ kind: "Workload", mesh, name }), mesh, name, document };
  });
}
