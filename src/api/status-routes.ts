import { Hono, type Context } from "hono";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { ResourceKey } from "../contract/resource-types.js";
import type { Env } from "../env.js";
import { zonesToNotify } from "../global/zone-notifier.js";
import { JournalHistory } from "../store/journal-history.js";
import type { ZoneStatus } from "../zone-do/zone-object.js";
import { ApiError } from "./api-error.js";
import { meshScopedKind } from "./request-params.js";
import { proxyRollout, summarize, typeStates } from "./rollout-status.js";

type AppEnv = { Bindings: Env };

/**
 * Where every change is (issue 5): per resource, whether each zone applied
 * its latest revision and whether each proxy of its mesh ACKed, NACKed (with
 * Envoy's error_detail) or still waits; and the proxies of a mesh with their
 * state per xDS type.
 */
export const statusRoutes = new Hono<AppEnv>();

statusRoutes.get("/v1/meshes/:mesh/proxies", async (c) => {
  const mesh = c.req.param("mesh");
  const [zones, head] = await Promise.all([zoneStatuses(c), meshHead(c.env.DB, mesh)]);
  const items = zones.flatMap((z) =>
    z.proxies
      .filter((p) => p.mesh === mesh)
      .map((p) => ({ proxyId: p.proxyId, zone: z.zone, bridgeId: p.bridgeId, connected: p.connected, types: typeStates(p, head) })),
  );
  return c.json({ kind: "ProxyList", mesh, meshRevision: head, items });
});

statusRoutes.get("/v1/meshes/:mesh/:kinds/:name/status", (c) =>
  resourceStatus(c, { kind: meshScopedKind(c.req.param("kinds")), mesh: c.req.param("mesh"), name: c.req.param("name") }),
);
statusRoutes.get("/v1/meshes/:name/status", (c) => resourceStatus(c, { kind: "Mesh", mesh: "", name: c.req.param("name") }));

async function resourceStatus(c: Context<AppEnv>, key: ResourceKey): Promise<Response> {
  const latest = await new JournalHistory(c.env.DB).latest(key);
  if (!latest) throw new ApiError("not_found", `${key.kind} "${key.name}" never existed${key.mesh ? ` in mesh "${key.mesh}"` : ""}`);
  const revision = latest.revision;
  const writtenAtMs = Date.parse(latest.at);
  const zones = await zoneStatuses(c);
  const mesh = meshOf(key);
  const proxies = zones.flatMap((z) =>
    z.proxies.filter((p) => mesh === undefined || p.mesh === mesh).map((p) => proxyRollout(p, z.zone, revision, writtenAtMs)),
  );
  const summary = summarize(proxies);
  return c.json({
    kind: key.kind,
    mesh: key.mesh,
    name: key.name,
    revision,
    writtenAt: latest.at,
    deleted: latest.op === "delete",
    zones: zones.map((z) => ({ zone: z.zone, appliedRevision: z.revision, applied: z.revision >= revision })),
    proxies,
    summary,
    // Done: every zone applied it and every connected proxy holds it.
    done: zones.every((z) => z.revision >= revision) && proxies.every((p) => p.state === "ACK" || !p.connected),
  });
}

/** The mesh whose proxies a resource concerns; undefined for a Zone (all meshes). */
function meshOf(key: ResourceKey): string | undefined {
  if (key.kind === "Zone") return undefined;
  return key.kind === "Mesh" ? key.name : key.mesh;
}

async function zoneStatuses(c: Context<AppEnv>): Promise<(ZoneStatus & { zone: string })[]> {
  const names = await zonesToNotify(c.env.DB);
  return Promise.all(
    names.map(async (zone) => ({ ...(await c.env.ZONES.get(c.env.ZONES.idFromName(zone)).status()), zone })),
  );
}

/** The newest journal revision that changed anything a proxy of `mesh` is configured from. */
async function meshHead(d1: D1Database, mesh: string): Promise<number> {
  const rows = await drizzle(d1).all<{ seq: number | null }>(
    sql`SELECT max(seq) AS seq FROM journal WHERE mesh = ${mesh} OR (kind = 'Mesh' AND name = ${mesh})`,
  );
  return rows[0]?.seq ?? 0;
}
