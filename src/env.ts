import type { ZoneTraceRecord } from "./contract/revision-trace.js";
import type { RolloutEvent } from "./contract/rollout-events.js";
import type { ZoneStatus } from "./contract/zone-status.js";
import type { RevisionReach } from "./contract/propagation.js";
import type { JournalEntry } from "./contract/journal-entry.js";

/**
 * The RPC surface of a zone Durable Object (src/zone-do/zone-object.ts
 * implements it). Declared here, with the bindings, so the API and the
 * global plane call zones without depending on the zone's code.
 */
export interface ZoneRpc extends Rpc.DurableObjectBranded {
  /**
   * Revision `revision` is committed: catch up to it, from `rows` (the
   * journal rows the write committed) when they continue the zone's
   * revision, else by pulling the journal from D1. Answers the zone's
   * revision and, on the zone's clock, when the call arrived and when it
   * answered: with the caller's send and return times that is a clock
   * offset sample (src/contract/clock-offset.ts).
   */
  sync(revision: number, rows?: JournalEntry[]): Promise<SyncAnswer>;
  /** The API's commit time of `revision` on this zone's clock (+- uncertaintyMs), for its trace. */
  recordCommit(revision: number, committedMs: number, uncertaintyMs: number): Promise<void>;
  /** The trace of the latest revision of the resource `key` (resource-types keyString), when this zone applied it. */
  revisionTrace(key: string): Promise<ZoneTraceRecord | null>;
  status(): Promise<ZoneStatus>;
  /** Of `revisions` of `mesh`: how many of the zone's proxies reached each and when the last did. */
  propagation(mesh: string, revisions: number[]): Promise<RevisionReach[]>;
  /** Token `tokenId` was revoked: close the sockets it admitted. Returns how many. */
  revokeToken(tokenId: string): Promise<number>;
  /** Workload token keys or revocations changed in D1: read them and hand them to the bridges. */
  admissionChanged(): Promise<void>;
  /** The zone was deleted: close its bridges and drop everything it stored. */
  retire(): Promise<void>;
  /** Another zone's inventory changed. */
  remoteInventoryChanged(): Promise<void>;
  /** Tests only (EDGEPLANE_FAULTS=on): cut the zone off from D1 and the global plane, or reconnect it. */
  setUplinkDown(down: boolean): Promise<ZoneStatus>;
}

export interface SyncAnswer {
  revision: number;
  receivedMs: number;
  answeredMs: number;
}

/** The RPC surface of the event stream's Durable Object (src/events/event-hub.ts). */
export interface EventHubRpc extends Rpc.DurableObjectBranded {
  publish(events: RolloutEvent[]): Promise<void>;
  stats(): Promise<{ listeners: number; buffered: number }>;
}

/** Bindings of the Worker (wrangler.toml), seen by the API, the global plane and zone objects. */
export interface Env {
  DB: D1Database;
  ZONES: DurableObjectNamespace<ZoneRpc>;
  /** The event stream (src/events); optional so a Worker without it still runs. */
  EVENTS?: DurableObjectNamespace<EventHubRpc>;
  /** Largest request body in bytes, as a string (wrangler vars are strings). */
  MAX_BODY_BYTES?: string;
  /** Change-log rows a zone keeps for deltas (default 10,000); tests set it small. */
  ZONE_CHANGE_LOG_ROWS?: string;
  /** HMAC key of zone tokens (src/global/zone-tokens.ts): a secret (`wrangler secret put`), a --var for wrangler dev. */
  ZONE_TOKEN_SECRET?: string;
  /** HMAC key of API tokens (src/contract/api-token.ts): a secret (`wrangler secret put API_TOKEN_SECRET`). */
  API_TOKEN_SECRET?: string;
  /** AES-GCM key material sealing each mesh CA's private key in D1 (src/global/ca-vault.ts): a secret (`wrangler secret put MESH_CA_SECRET`). */
  MESH_CA_SECRET?: string;
  /** "false" lets bridges connect without a zone token; anything else (or unset) requires one. */
  REQUIRE_ZONE_TOKENS?: string;
  /** Origins (comma-separated) whose browsers may call the API across origins; none by default. */
  EDGEPLANE_ALLOWED_ORIGINS?: string;
  /** Seconds a disconnected proxy stays listed before its zone forgets it (default 3600). */
  PROXY_RETENTION_SECONDS?: string;
  /** "on" lets tests cut a zone off from D1 and the global plane (zone-uplink.ts). Never set in production. */
  EDGEPLANE_FAULTS?: string;
}
