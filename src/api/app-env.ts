import type { Context } from "hono";
import type { ApiTokenClaims } from "../contract/api-token.js";
import type { Env } from "../env.js";
import type { ServerTiming } from "./server-timing.js";
import type { TokenRevocation } from "./token-revocation.js";

/**
 * Hono's environment for every route of the API: the Worker's bindings,
 * the caller once its API token was checked (access.ts), whether that token
 * is revoked when the route defers asking (token-revocation.ts), and where
 * the request's time went (server-timing.ts).
 */
export type AppEnv = { Bindings: Env; Variables: { principal: ApiTokenClaims | undefined; timing: ServerTiming | undefined; revocation: TokenRevocation | undefined } };

export type ApiContext = Context<AppEnv>;
