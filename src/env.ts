import type { ZoneDurableObject } from "./zone-do/zone-object.js";

/** Bindings of the Worker (wrangler.toml), seen by the API, the global plane and zone objects. */
export interface Env {
  DB: D1Database;
  ZONES: DurableObjectNamespace<ZoneDurableObject>;
  /** Largest request body in bytes, as a string (wrangler vars are strings). */
  MAX_BODY_BYTES?: string;
  /** Change-log rows a zone keeps for deltas (default 10,000); tests set it small. */
  ZONE_CHANGE_LOG_ROWS?: string;
}
