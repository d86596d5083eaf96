import { Hono } from "hono";
import type { ResourceList } from "../contract/resource-list.js";
import { validateResource } from "../contract/resource-schema.js";
import type { ResourceOf } from "../contract/resource-types.js";
import type { ZoneList } from "../contract/zone-status.js";
import { InventoryStore } from "../store/inventory-store.js";
import { ResourceStore } from "../store/resource-store.js";
import { ZoneRegistry } from "../store/zone-registry.js";
import { ApiError } from "./api-error.js";
import type { ApiContext, AppEnv } from "./app-env.js";
type Workload = ResourceOf<"Workload">;

/**
 * What runs where (issue 4): zones with their bridges and how far each is
 * behind the journal, and workloads across zones with their health and where
 * they came from. Also the fault switch tests use to cut a zone off from D1.
 */
export const inventoryRoutes = new Hono<AppEnv>();

inventoryRoutes.get("/v1/zones", async (c) => {
  const store = new ResourceStore(c.env.DB);
  const [head, declared, seen] = await Promise.all([store.head(), store.list("Zone", ""), new ZoneRegistry(c.env.DB).names()]);
  const names = [...new Set([...declared.map((z) => z.resource.metadata.name), ...seen])].sort();
  const items = await Promise.all(
    names.map(async (name) => {
      const resource = declared.find((z) => z.resource.metadata.name === name)?.resource ?? null;
      const status = await c.env.ZONES.get(c.env.ZONES.idFromName(name)).status();
      return {
        name,
        declared: resource !== null,
        resource,
        revision: status.revision,
        lag: Math.max(0, head - status.revision),
        endpoints: status.endpoints,
        bridges: status.bridges.map((b) => ({ ...b, lag: Math.max(0, head - b.revisionApplied) })),
      };
    }),
  );
  return c.json({ kind: "ZoneInventory", head, items } satisfies ZoneList);
});

inventoryRoutes.get("/v1/meshes/:mesh/workloads", async (c) => {
  const mesh = c.req.param("mesh");
  const zone = c.req.query("zone");
  const service = c.req.query("service");
  const declared = (await new ResourceStore(c.env.DB).list("Workload", mesh)).map((d) => ({
    ...(d.resource as Workload),
    status: { source: "api", zone: (d.resource as Workload).spec.zone, health: (d.resource as Workload).spec.health ?? "healthy" },
  }));
  const discovered = (await new InventoryStore(c.env.DB).all()).flatMap((row) =>
    row.workloads
      .filter((w) => w.mesh === mesh)
      .flatMap((w) => {
        const doc = readStoredWorkload(w.document);
        if (!doc) {
          // Reported before zones validated what bridges send: left out, never a 500.
          console.error(`zone ${row.zone}: stored workload ${w.mesh}/${w.name} is not a valid Workload; not listed`);
          return [];
        }
        const origin = doc.metadata.labels?.["edgeplane.io/source"] === "proxy" ? "proxy" : "workloads-dir";
        return [{ ...doc, status: { source: `zone/${row.zone}/${origin}`, zone: row.zone, health: doc.spec.health ?? "healthy", reportedAt: row.updatedAt } }];
      }),
  );
  const items = [...declared, ...discovered].filter(
    (w) => (zone === undefined || w.status.zone === zone) && (service === undefined || w.spec.service === service),
  );
  return c.json({ kind: "WorkloadList", items } satisfies ResourceList);
});

/** A discovered workload as stored in a zone's inventory, checked again with the API's schema. */
function readStoredWorkload(document: string): Workload | undefined {
  try {
    const r = validateResource(JSON.parse(document));
    return r.kind === "Workload" ? r : undefined;
  } catch {
    return undefined;
  }
}

inventoryRoutes.post("/v1/zones/:zone/faults", async (c: ApiContext) => {
  if (c.env.EDGEPLANE_FAULTS !== "on") throw new ApiError("not_found", `no route for POST ${c.req.path}`);
  const body = (await c.req.json().catch(() => ({}))) as { uplinkDown?: unknown };
  if (typeof body.uplinkDown !== "boolean") {
    throw new ApiError("invalid_field", "uplinkDown must be true or false", { field: "uplinkDown" });
  }
  const zone = c.req.param("zone") ?? "";
  return c.json(await c.env.ZONES.get(c.env.ZONES.idFromName(zone)).setUplinkDown(body.uplinkDown));
});
