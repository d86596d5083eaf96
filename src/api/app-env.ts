import type { Context } from "hono";
import type { Env } from "../env.js";

/** Hono's environment for every route of the API: the Worker's bindings. */
export type AppEnv = { Bindings: Env };

export type ApiContext = Context<AppEnv>;
