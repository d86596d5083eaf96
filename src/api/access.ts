import type { MiddlewareHandler } from "hono";
import { meshCovered, roleCovers, verifyApiToken, type ApiTokenClaims, type Role } from "../contract/api-token.js";
import { ApiTokenStore } from "../store/api-token-store.js";
import { ApiError } from "./api-error.js";
import type { ApiContext, AppEnv } from "./app-env.js";
import { AuthPenalty } from "./auth-penalty.js";
import { timingOf } from "./server-timing.js";
import { TokenRevocation } from "./token-revocation.js";
import { ROUTES, type RouteSpec } from "./route-table.js";
import { UI_ROUTES } from "../ui/ui-route-table.js";

/**
 * Where a route's mesh comes from, for the token's `meshes` to be checked
 * against: a path parameter, or the handler (a bundle's documents, the
 * event stream's filter, a list it filters), or nowhere (admin routes and
 * routes about no mesh).
 */
export type MeshFrom = { param: string } | "handler" | "none";

/** Who may call a route: nobody needs a token (said why), or a role, in the mesh found as `mesh` says. */
export type Access = { public: string } | { role: Role; mesh: MeshFrom };

const penalty = new AuthPenalty();

/**
 * Routes whose handler asks whether the token is revoked inside its write's
 * own batch (token-revocation.ts): the PUT of a mesh's resource, the API's
 * common write. Every other route looks the token up before its handler.
 */
const REVOCATION_IN_BATCH = new Set(["PUT /v1/meshes/{mesh}/{kinds}/{name}"]);

/**
 * The one access decision of the API: finds the request's route in the route
 * table, and unless the route is public, requires a valid, unrevoked API
 * token (`Authorization: Bearer ...`) with the route's role and, where the
 * route names a mesh, that mesh. 401 `unauthenticated` or 403 `forbidden`
 * before any handler runs, so a refused request writes nothing. Repeated
 * 401s from one client are slowed (auth-penalty.ts).
 *
 * @example app.use("*", authorize);
 */
export const authorize: MiddlewareHandler<AppEnv> = async (c, next) => {
  // Hono answers HEAD with the GET handler: it gets the GET's access decision.
  const match = routeOf(c.req.method === "HEAD" ? "GET" : c.req.method, new URL(c.req.url).pathname);
  if (!match || "public" in match.route.access) return next();
  const { role, mesh } = match.route.access;
  const deferred = REVOCATION_IN_BATCH.has(`${match.route.method} ${match.route.path}`);
  const claims = await timingOf(c).measure("auth", () => authenticate(c, deferred));
  try {
    if (!roleCovers(claims.role, role)) {
      throw new ApiError("forbidden", `${c.req.method} ${match.route.path} needs the ${role} role; this token has ${claims.role}`, {
        hint: `ask an admin for a ${role} token (POST /v1/tokens)`,
      });
    }
    if (typeof mesh === "object") {
      const name = match.params[mesh.param];
      if (name !== undefined) requireMesh(claims, name);
    }
  } catch (err) {
    // A revoked token is answered 401 whatever else it lacks, as when it is looked up first.
    await requireUnrevoked(c);
    throw err;
  }
  c.set("principal", claims);
  if (!deferred) return next();
  await next();
  // Unless the handler's batch answered it, asked now, before the answer goes out: a refusal, a validation error or a reading-path answer is replaced by the 401.
  try {
    await requireUnrevoked(c);
  } catch (err) {
    // Not the handler's headers (an ETag, say) on the refusal: cleared first, as Hono merges them into a replaced response.
    c.res = undefined;
    c.res = ApiError.from(err).toResponse();
  }
};

/**
 * Refuses (401) a token found revoked, when the route deferred asking
 * (REVOCATION_IN_BATCH) and no batch has answered yet; a no-op otherwise
 * (the token was looked up before the handler). Called before a write that
 * does not carry the condition itself.
 */
export async function requireUnrevoked(c: ApiContext): Promise<void> {
  const revocation = c.get("revocation");
  if (!revocation) return;
  const client = clientOf(c);
  if (await revocation.revoked()) {
    await penalty.failed(client);
    throw new ApiError("unauthenticated", "the token was revoked", { hint: "get a new token from an admin (POST /v1/tokens)" });
  }
  penalty.succeeded(client);
}

/** The caller's claims; only routes with an access role have one. */
export function principalOf(c: ApiContext): ApiTokenClaims {
  const p = c.get("principal");
  if (!p) throw new Error("principalOf() on a public route");
  return p;
}

/** Refuses (403) when the token does not cover `mesh`. */
export function requireMesh(claims: Pick<ApiTokenClaims, "meshes">, mesh: string): void {
  if (!meshCovered(claims, mesh)) {
    throw new ApiError("forbidden", `this token is not for mesh "${mesh}"`, { hint: `its meshes: ${claims.meshes.join(", ")}` });
  }
}

/** Refuses (403) unless the token carries `role`. */
export function requireRole(claims: Pick<ApiTokenClaims, "role">, role: Role, what: string): void {
  if (!roleCovers(claims.role, role)) throw new ApiError("forbidden", `${what} needs the ${role} role; this token has ${claims.role}`);
}

function clientOf(c: ApiContext): string {
  return c.req.header("cf-connecting-ip") ?? "local";
}

/** The token's claims; with `deferRevocation`, its revocation is left to the handler's batch (token-revocation.ts). */
async function authenticate(c: ApiContext, deferRevocation: boolean): Promise<ApiTokenClaims> {
  const client = clientOf(c);
  const refuse = async (message: string, hint: string): Promise<never> => {
    await penalty.failed(client);
    throw new ApiError("unauthenticated", message, { hint });
  };
  const header = c.req.header("authorization");
  const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (bearer === undefined) {
    return refuse(header === undefined ? "this route needs an API token" : "the Authorization header is not `Bearer <token>`", "send Authorization: Bearer <token>; an admin issues tokens with POST /v1/tokens");
  }
  const secret = c.env.API_TOKEN_SECRET;
  if (!secret) throw new ApiError("not_configured", "the control plane has no API_TOKEN_SECRET", { hint: "set it with `wrangler secret put API_TOKEN_SECRET`" });
  const reading = await verifyApiToken(secret, bearer, Date.now());
  if (!reading.ok) {
    const why = { malformed: "is not an API token", bad_signature: "is not signed by this deployment", expired: "has expired", invalid_claims: "carries claims this API does not accept" }[reading.reason];
    return refuse(`the token ${why}`, "get a new token from an admin (POST /v1/tokens)");
  }
  const revocation = new TokenRevocation(reading.claims.jti, async () => Boolean((await new ApiTokenStore(c.env.DB).find(reading.claims.jti))?.revokedAt));
  if (deferRevocation) {
    c.set("revocation", revocation);
    return reading.claims;
  }
  if (await revocation.revoked()) return refuse("the token was revoked", "get a new token from an admin (POST /v1/tokens)");
  penalty.succeeded(client);
  return reading.claims;
}

interface RouteMatch {
  route: Pick<RouteSpec, "method" | "path" | "access">;
  params: Record<string, string>;
}

// The dashboard's routes are decided here too (src/ui/ui-route-table.ts), apart from the API's table only because they are not in the OpenAPI document.
const COMPILED = [...ROUTES, ...UI_ROUTES].map((route) => {
  const names: string[] = [];
  const pattern = route.path.replace(/[.]/g, "\\.").replace(/\{([^}]+)\}/g, (_m, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { route, names, re: new RegExp(`^${pattern}$`) };
});

/**
 * The table's route for a request, as Hono picks it: of the matching paths,
 * the one with the fewest parameters (`/v1/meshes/{mesh}/proxies` before
 * `/v1/meshes/{mesh}/{kinds}`).
 *
 * @example routeOf("GET", "/v1/meshes/default/services")?.params // { mesh: "default", kinds: "services" }
 */
export function routeOf(method: string, path: string): RouteMatch | undefined {
  let best: (RouteMatch & { n: number }) | undefined;
  for (const { route, names, re } of COMPILED) {
    if (route.method !== method) continue;
    const m = re.exec(path);
    if (!m || (best && best.n <= names.length)) continue;
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    best = { route, params, n: names.length };
  }
  return best && { route: best.route, params: best.params };
}
