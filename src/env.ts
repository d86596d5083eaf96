import type { EventHub } from "./events/event-hub.js";
import type { ZoneDurableObject } from "./zone-do/zone-object.js";

/** Bindings of the Worker (wrangler.toml), seen by the API, the global plane and zone objects. */
export interface Env {
  DB: D1Database;
  ZONES: DurableObjectNamespace<ZoneDurableObject>;
  /** The event stream (src/events); optional so a Worker without it still runs. */
  EVENTS?: DurableObjectNamespace<EventHub>;
  /** Largest request body in bytes, as a string (wrangler vars are strings). */
  MAX_BODY_BYTES?: string;
  /** Change-log rows a zone keeps for deltas (default 10,000); tests set it small. */
  ZONE_CHANGE_LOG_ROWS?: string;
  /** HMAC key of zone tokens (src/global/zone-tokens.ts): a secret (`wrangler secret put`), a --var for wrangler dev. */
  ZONE_TOKEN_SECRET?: string;
  /** "false" lets bridges connect without a zone token; anything else (or unset) requires one. */
  REQUIRE_ZONE_TOKENS?: string;
  /** "on" lets tests cut a zone off from D1 and the global plane (zone-uplink.ts). Never set in production. */
  EDGEPLANE_FAULTS?: string;
}
