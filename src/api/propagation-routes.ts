import { Hono } from "hono";
import type { PropagationItem, PropagationList, RevisionReach } from "../contract/propagation.js";
import { recentOfMesh } from "../store/journal-history.js";
import { ZoneRegistry } from "../store/zone-registry.js";
import type { AppEnv } from "./app-env.js";
import { queryInt } from "./request-params.js";

export const PROPAGATION_DEFAULT_LIMIT = 100;
const PROPAGATION_MAX_LIMIT = 500;

/**
 * How fast the mesh's recent revisions reached its proxies: the journal's
 * newest writes of the mesh joined with what every zone recorded of its
 * proxies reaching them (src/zone-do/revision-reach.ts). Mounted before the
 * generic routes, which would read `propagation` as a kind.
 *
 * @example
 * // GET /v1/meshes/default/propagation?limit=100
 * // {"kind":"Propagation","mesh":"default","items":[{"revision":41,"kind":"HTTPRoute","name":"split","proxies":3,"writeToLastAckMs":38,...}]}
 */
export const propagationRoutes = new Hono<AppEnv>();

propagationRoutes.get("/v1/meshes/:mesh/propagation", async (c) => {
  const mesh = c.req.param("mesh");
  const limit = queryInt(c.req.query("limit"), "limit", { min: 1, max: PROPAGATION_MAX_LIMIT }) ?? PROPAGATION_DEFAULT_LIMIT;
  const entries = (await recentOfMesh(c.env.DB, mesh, limit)).reverse();
  const revisions = entries.map((e) => e.revision);
  const zones = await new ZoneRegistry(c.env.DB).names();
  const perZone = await Promise.all(zones.map((zone) => c.env.ZONES.get(c.env.ZONES.idFromName(zone)).propagation(mesh, revisions)));
  const reached = mergeZones(perZone);
  const items = entries.map((e): PropagationItem => {
    const r = reached.get(e.revision);
    const base: PropagationItem = { revision: e.revision, kind: e.document.kind, name: e.document.metadata.name, op: e.op, writtenAt: e.at, by: e.by, proxies: r?.proxies ?? 0 };
    // Bridge and Worker clocks are compared here as in GET .../status; a bridge clock behind the Worker's would read negative, shown as 0.
    return r ? { ...base, writeToLastAckMs: Math.max(0, r.lastAckMs - Date.parse(e.at)) } : base;
  });
  return c.json({ kind: "Propagation", mesh, items } satisfies PropagationList);
});

/** Per revision over all zones: proxies added up, the latest last ACK. */
function mergeZones(perZone: RevisionReach[][]): Map<number, { proxies: number; lastAckMs: number }> {
  const out = new Map<number, { proxies: number; lastAckMs: number }>();
  for (const r of perZone.flat()) {
    const seen = out.get(r.revision);
    out.set(r.revision, seen ? { proxies: seen.proxies + r.proxies, lastAckMs: Math.max(seen.lastAckMs, r.lastAckMs) } : { proxies: r.proxies, lastAckMs: r.lastAckMs });
  }
  return out;
}
