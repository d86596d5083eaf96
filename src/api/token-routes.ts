import { Hono } from "hono";
import { signApiToken, type ApiTokenView, type IssuedApiToken } from "../contract/api-token.js";
import { parseOrThrow } from "../contract/schema-errors.js";
import { ApiTokenStore } from "../store/api-token-store.js";
import { principalOf } from "./access.js";
import { ApiError } from "./api-error.js";
import type { AppEnv } from "./app-env.js";
import { readDocuments } from "./request-body.js";
import { apiTokenRequest } from "./request-schemas.js";

/**
 * API tokens (admin only, route-table.ts): issue (the token is in this
 * answer and nowhere else), list (never the tokens), revoke (at once: the
 * next request with it is refused; idempotent).
 *
 * @example
 * // POST   /v1/tokens {"subject":"ci","role":"writer","meshes":["default"],"ttlSeconds":86400} -> 201 {id, token, ...}
 * // GET    /v1/tokens                                                                   -> {items: [...]}
 * // DELETE /v1/tokens/{id}                                                              -> {id, ..., revokedAt}
 */
export const tokenRoutes = new Hono<AppEnv>();

tokenRoutes.post("/v1/tokens", async (c) => {
  const [doc] = await readDocuments(c.req.raw, { multi: false });
  const req = parseOrThrow(apiTokenRequest, doc);
  const secret = c.env.API_TOKEN_SECRET;
  if (!secret) throw new ApiError("not_configured", "the control plane has no API_TOKEN_SECRET", { hint: "set it with `wrangler secret put API_TOKEN_SECRET`" });
  const now = Date.now();
  const { token, claims } = await signApiToken(
    secret,
    { sub: req.subject, role: req.role, meshes: req.meshes, ...(req.sources ? { sources: req.sources } : {}), ttlSeconds: req.ttlSeconds },
    now,
  );
  const view: ApiTokenView = {
    id: claims.jti,
    subject: claims.sub,
    role: claims.role,
    meshes: claims.meshes,
    sources: claims.sources ?? null,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(claims.exp * 1000).toISOString(),
    revokedAt: null,
  };
  await new ApiTokenStore(c.env.DB).insert(view);
  console.log(`api token ${view.id} issued to ${view.subject} (${view.role}) by ${principalOf(c).sub}`);
  return c.json({ ...view, token } satisfies IssuedApiToken, 201);
});

tokenRoutes.get("/v1/tokens", async (c) => c.json({ kind: "ApiTokenList", items: await new ApiTokenStore(c.env.DB).list() }));

tokenRoutes.delete("/v1/tokens/:id", async (c) => {
  const id = c.req.param("id");
  if (!/^[\x21-\x7e]{1,128}$/.test(id)) throw new ApiError("invalid_field", `"${id}" is not a token id`, { field: "id" });
  return c.json(await new ApiTokenStore(c.env.DB).revoke(id, new Date().toISOString()));
});
