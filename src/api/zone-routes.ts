import { Hono } from "hono";
import { NAME_PATTERN } from "../contract/resource-schema.js";
import type { ResourceKey } from "../contract/resource-types.js";
import { retireZone } from "../global/zone-retirement.js";
import { ResourceStore } from "../store/resource-store.js";
import { ZoneRegistry } from "../store/zone-registry.js";
import { ApiError } from "./api-error.js";
import type { ApiContext, AppEnv } from "./app-env.js";
import { answerWrite } from "./commit-path.js";
import { principalOf } from "./access.js";
import { meshCovered } from "../contract/api-token.js";
import { writeContext } from "./write-context.js";
import { ifMatchRevision } from "./request-params.js";
import { ResourceService, type Outcome } from "./resource-service.js";

/**
 * A zone's own routes: the bridges' WebSocket, the zone's status, and
 * deleting a zone with everything the planes keep about it. Zone resources
 * are read and written through the generic routes (app.ts). Mounted before
 * them, so `DELETE /v1/zones/{name}` lands here.
 *
 * @example
 * // GET    /v1/zones/west/connect   (WebSocket upgrade; the zone token comes in Hello)
 * // GET    /v1/zones/west/status
 * // DELETE /v1/zones/west
 */
export const zoneRoutes = new Hono<AppEnv>();

zoneRoutes.get("/v1/zones/:zone/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("invalid_body", "this endpoint takes a WebSocket upgrade", { hint: "bridges connect here; see src/xds-bridge" });
  }
  // Nothing is recorded here: the zone records itself once the bridge's Hello
  // is authenticated, so anonymous upgrades cannot make writes wake new zones.
  const zone = zoneParam(c, "zone");
  return c.env.ZONES.get(c.env.ZONES.idFromName(zone)).fetch(c.req.raw);
});

zoneRoutes.get("/v1/zones/:zone/status", async (c) => {
  const zone = zoneParam(c, "zone");
  const claims = principalOf(c);
  const status = await c.env.ZONES.get(c.env.ZONES.idFromName(zone)).status();
  // The zone's proxies and identities, as far as the token covers their meshes.
  return c.json({ ...status, proxies: status.proxies.filter((p) => meshCovered(claims, p.mesh)), identities: status.identities.filter((i) => meshCovered(claims, i.mesh)) });
});

zoneRoutes.delete("/v1/zones/:name", async (c) => {
  const zone = zoneParam(c, "name");
  const key: ResourceKey = { kind: "Zone", mesh: "", name: zone };
  const store = new ResourceStore(c.env.DB);
  const declared = (await store.get(key)) !== undefined;
  if (!declared && !(await new ZoneRegistry(c.env.DB).isSeen(zone))) {
    throw new ApiError("not_found", `Zone "${zone}" does not exist`, { hint: "GET /v1/zones lists the zones" });
  }
  // A zone only seen (never declared) has no journal entry to write: revision 0 says so.
  const outcome: Outcome = declared
    ? await new ResourceService(store, writeContext(c)).delete(key, ifMatchRevision(c.req.header("if-match")))
    : { results: [{ ...key, action: "deleted", revision: 0 }], revision: undefined, warnings: [], converted: [] };
  await retireZone(c.env, zone);
  return answerWrite(c, outcome, { shape: "result" });
});

function zoneParam(c: ApiContext, param: string): string {
  const zone = c.req.param(param) ?? "";
  if (!NAME_PATTERN.test(zone)) throw new ApiError("invalid_field", `zone name "${zone}" is not valid`, { field: param });
  return zone;
}
