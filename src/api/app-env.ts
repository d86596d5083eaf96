import type { Context } from "hono";
import type { ApiTokenClaims } from "../contract/api-token.js";
import type { Env } from "../env.js";

/**
 * Hono's environment for every route of the API: the Worker's bindings,
 * and the caller once its API token was checked (access.ts).
 */
export type AppEnv = { Bindings: Env; Variables: { principal: ApiTokenClaims | undefined } };

export type ApiContext = Context<AppEnv>;
