/**
 * The Worker's entry point: wiring only. The management API (src/api) and
 * the global plane (src/global) run in the fetch handler; each zone is a
 * Durable Object (src/zone-do).
 */
import { app } from "./api/app.js";
import type { Env } from "./env.js";

export { EventHub } from "./events/event-hub.js";
export { ZoneDurableObject } from "./zone-do/zone-object.js";

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
