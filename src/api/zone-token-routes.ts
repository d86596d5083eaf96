import { Hono } from "hono";
import { NAME_PATTERN } from "../contract/resource-schema.js";
import { parseOrThrow } from "../contract/schema-errors.js";
import { DEFAULT_TTL_SECONDS, hashZoneToken, issueZoneToken } from "../global/zone-tokens.js";
import { ResourceStore } from "../store/resource-store.js";
import { ZoneTokenStore, type ZoneTokenRecord } from "../store/zone-token-store.js";
import { ApiError } from "./api-error.js";
import type { ApiContext, AppEnv } from "./app-env.js";
import { readDocuments } from "./request-body.js";
import { zoneTokenRequest } from "./request-schemas.js";


/**
 * Zone tokens: issue (the token is in this answer and nowhere else), list,
 * revoke. Revoking also tells the zone, which closes the bridges that
 * authenticated with the token at once. Mounted by app.ts before the
 * generic routes.
 *
 * @example
 * // POST   /v1/zones/west/tokens        {"ttlSeconds": 86400}  -> 201 {id, zone, token, expiresAt}
 * // GET    /v1/zones/west/tokens                               -> {items: [{id, zone, createdAt, expiresAt, revokedAt}]}
 * // DELETE /v1/zones/west/tokens/{id}                          -> {id, zone, createdAt, expiresAt, revokedAt}
 * app.route("/", zoneTokenRoutes);
 */
export const zoneTokenRoutes = new Hono<AppEnv>();

zoneTokenRoutes.post("/v1/zones/:zone/tokens", async (c) => {
  const zone = zoneParam(c);
  const ttlSeconds = await readTtl(c.req.raw);
  const secret = c.env.ZONE_TOKEN_SECRET;
  if (!secret) {
    throw new ApiError("not_configured", "the control plane has no ZONE_TOKEN_SECRET", { hint: "set it with `wrangler secret put ZONE_TOKEN_SECRET`" });
  }
  if (!(await new ResourceStore(c.env.DB).get({ kind: "Zone", mesh: "", name: zone }))) {
    throw new ApiError("not_found", `Zone "${zone}" does not exist`, { hint: `create it first with PUT /v1/zones/${zone}` });
  }
  const now = Date.now();
  const { claims, token } = await issueZoneToken(secret, zone, ttlSeconds, now);
  const expiresAt = new Date(claims.exp * 1000).toISOString();
  await new ZoneTokenStore(c.env.DB).insert({
    id: claims.id,
    zone,
    tokenHash: await hashZoneToken(token),
    createdAt: new Date(now).toISOString(),
    expiresAt,
    revokedAt: null,
  });
  return c.json({ id: claims.id, zone, token, expiresAt }, 201);
});

zoneTokenRoutes.get("/v1/zones/:zone/tokens", async (c) => {
  const records = await new ZoneTokenStore(c.env.DB).list(zoneParam(c));
  return c.json({ kind: "ZoneTokenList", items: records.map(publicView) });
});

zoneTokenRoutes.delete("/v1/zones/:zone/tokens/:id", async (c) => {
  const zone = zoneParam(c);
  const id = c.req.param("id");
  const record = await new ZoneTokenStore(c.env.DB).revoke(zone, id, new Date().toISOString());
  if (!record) throw new ApiError("not_found", `zone "${zone}" has no token "${id}"`, { hint: `GET /v1/zones/${zone}/tokens lists them` });
  // D1 holds the revocation already; a zone that misses this call refuses the token at the next Hello.
  try {
    await c.env.ZONES.get(c.env.ZONES.idFromName(zone)).revokeToken(id);
  } catch (err) {
    console.error(`zone ${zone}: revokeToken(${id}) failed: ${String(err)}`);
  }
  return c.json(publicView(record));
});

/** What the API shows of a token: never the token, never its hash. */
function publicView(r: ZoneTokenRecord): Omit<ZoneTokenRecord, "tokenHash"> {
  return { id: r.id, zone: r.zone, createdAt: r.createdAt, expiresAt: r.expiresAt, revokedAt: r.revokedAt };
}

/** The optional body `{ttlSeconds}`; an empty body means the default. */
async function readTtl(req: Request): Promise<number> {
  if ((await req.clone().text()).trim() === "") return DEFAULT_TTL_SECONDS;
  const [doc] = await readDocuments(req, { multi: false });
  return parseOrThrow(zoneTokenRequest, doc).ttlSeconds;
}

function zoneParam(c: ApiContext): string {
  const zone = c.req.param("zone") ?? "";
  if (!NAME_PATTERN.test(zone)) throw new ApiError("invalid_field", `zone name "${zone}" is not valid`, { field: "zone" });
  return zone;
}
