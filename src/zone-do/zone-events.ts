import type { RolloutEvent } from "../contract/rollout-events.js";
import { meshOfKey, parseKey } from "../contract/resource-types.js";
import { AckState, type CurrentAt, type StatusReport } from "../contract/zone-protocol/zone_pb.js";

/**
 * What a zone tells the event stream (`GET /v1/events`), built from what
 * it just did. Pure: the zone object publishes the result.
 */

/**
 * `zone-applied` for each resource the zone now holds at `revision`.
 *
 * @example appliedEvents("west", 12, ["HTTPRoute/default/split"], Date.now())
 */
export function appliedEvents(zone: string, revision: number, keys: readonly string[], atMs: number): RolloutEvent[] {
  return keys.flatMap((text) => {
    const key = parseKey(text);
    return key ? [{ type: "zone-applied" as const, mesh: meshOfKey(key), kind: key.kind, name: key.name, revision, zone, atMs }] : [];
  });
}

/**
 * `proxy-acked` / `proxy-nacked` for each proxy answer in a bridge's status report.
 *
 * @example proxyEvents("west", report)
 */
export function proxyEvents(zone: string, report: StatusReport): RolloutEvent[] {
  return report.proxies.map((p) => ({
    type: p.state === AckState.NACK ? ("proxy-nacked" as const) : ("proxy-acked" as const),
    mesh: p.mesh,
    revision: Number(p.revision),
    zone,
    proxyId: p.proxyId,
    typeUrl: p.typeUrl,
    ...(p.errorDetail ? { errorDetail: p.errorDetail } : {}),
    atMs: Number(p.atMs),
  }));
}

/**
 * The `proxy-acked` events the ProxyStatus rows a CurrentAt stands for would
 * have made: one per row it set, so the stream reads the same either way.
 *
 * @example currentEvents("west", current, table.recordCurrent(...))
 */
export function currentEvents(zone: string, current: Pick<CurrentAt, "revision" | "mesh" | "atMs">, rows: readonly { proxyId: string; typeUrl: string }[]): RolloutEvent[] {
  const revision = Number(current.revision);
  const atMs = Number(current.atMs);
  return rows.map((r) => ({ type: "proxy-acked" as const, mesh: current.mesh, revision, zone, proxyId: r.proxyId, typeUrl: r.typeUrl, atMs }));
}
