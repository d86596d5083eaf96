/**
 * The events of `GET /v1/events` (Server-Sent Events): what happens to each
 * revision on its way to the proxies. The API publishes `written`, zones
 * publish `zone-applied` and the proxies' answers; the CLI's `apply --wait`
 * and the dashboard follow them.
 */
export const ROLLOUT_EVENT_TYPES = ["written", "zone-applied", "proxy-acked", "proxy-nacked"] as const;

export type RolloutEventType = (typeof ROLLOUT_EVENT_TYPES)[number];

export interface RolloutEvent {
  type: RolloutEventType;
  mesh: string;
  /** Resource identity, for written and zone-applied. */
  kind?: string;
  name?: string;
  revision: number;
  zone?: string;
  proxyId?: string;
  typeUrl?: string;
  errorDetail?: string;
  /** `written`: who wrote it and through which config source. */
  by?: string;
  source?: string;
  atMs: number;
}
