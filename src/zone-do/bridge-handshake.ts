import type { Hello } from "../contract/zone-protocol/zone_pb.js";
import type { Env } from "../env.js";
import type { BridgeSockets, Refusal } from "./bridge-sockets.js";
import type { EndpointLayer } from "./endpoint-layer.js";
import { checkZoneToken } from "./token-check.js";
import { encodeEndpoints, encodeUpdate } from "./zone-updates.js";
import type { ZoneStorage } from "./zone-storage.js";
import type { ZoneUplink } from "./zone-uplink.js";

export interface HandshakeParts {
  env: Pick<Env, "ZONE_TOKEN_SECRET" | "REQUIRE_ZONE_TOKENS">;
  sockets: BridgeSockets;
  state: ZoneStorage;
  endpoints: EndpointLayer;
  uplink: ZoneUplink;
  /** The zone's own SQLite (what it remembers of zone tokens). */
  sql: SqlStorage;
  /** Learn of writes made while nobody was connected; must not throw. */
  catchUp(): Promise<void>;
  /** Refuses and closes a socket, recording its bridge as gone if it was admitted. */
  refuse(ws: WebSocket, refusal: Refusal, closeCode: number): void;
  /** The bridge is in: record it as connected. */
  admitted(bridgeId: string, ws: WebSocket): void;
  /** Work that must finish but not delay the answer (ctx.waitUntil). */
  background(work: Promise<unknown>): void;
}

/** Close codes of the zone protocol's refusals (4000-4999 are the application's). */
/** What Welcome says this zone understands (zone.proto, Welcome.features). */
export const ZONE_FEATURES = ["current-at"] as const;

export const CLOSE = { silent: 4000, token: 4001, protocol: 4002, wrongZone: 4003, bridgeIdInUse: 4004, replaced: 4009, noHello: 4008, zoneDeleted: 4010 } as const;

/**
 * Answers a bridge's Hello (shared/design.md section 3). One Hello per
 * socket. Then its zone token (from the request head before it; checked
 * through the uplink, so autonomy rules apply when D1 is away) and its zone; only an authenticated bridge makes
 * the zone known to the global plane. A bridge id is bound to the socket and
 * token that introduced it: the same bridge (same token) reconnecting
 * replaces its old socket, anyone else claiming a live id is refused. Then
 * Welcome and the state the bridge lacks: a delta from its revision when the
 * change log still reaches back that far and its checksum agrees, otherwise a
 * full snapshot; then the endpoint layer. Only then does the socket receive
 * live updates.
 *
 * @example await new BridgeHandshake(parts).answer(ws, hello);
 */
export class BridgeHandshake {
  constructor(private readonly parts: HandshakeParts) {}

  async answer(ws: WebSocket, hello: Hello): Promise<void> {
    const { sockets, state, endpoints, uplink } = this.parts;
    const before = sockets.attachment(ws);
    if (before.helloSeen) {
      return this.parts.refuse(ws, { code: "protocol_error", message: "one Hello per socket: this socket already said Hello", retryAfterMs: 1_000n }, CLOSE.protocol);
    }
    // Marked before the first await: a second Hello racing the token check is refused too.
    // The token came in the request head's authorization header; it is not kept past this check.
    const zone = sockets.update(ws, { helloSeen: true, bearer: "" }).zone;
    const token = await checkZoneToken({
      zone,
      token: before.bearer,
      env: this.parts.env,
      records: { find: (id) => uplink.zoneToken(id) },
      sql: this.parts.sql,
      nowMs: Date.now(),
    });
    if (!token.ok) return this.parts.refuse(ws, token.refused, CLOSE.token);
    if (hello.zone !== zone) {
      return this.parts.refuse(ws, { code: "wrong_zone", message: `this is zone "${zone}", the bridge says "${hello.zone}"`, retryAfterMs: 30_000n }, CLOSE.wrongZone);
    }
    if (!/^[\x21-\x7e]{1,128}$/.test(hello.bridgeId)) {
      return this.parts.refuse(ws, { code: "protocol_error", message: "Hello needs a bridge_id of 1 to 128 printable ASCII characters", retryAfterMs: 30_000n }, CLOSE.protocol);
    }
    const holders = sockets.holdersOf(hello.bridgeId, ws);
    if (holders.some((other) => sockets.attachment(other).tokenId !== token.tokenId)) {
      return this.parts.refuse(
        ws,
        { code: "bridge_id_in_use", message: `bridge id "${hello.bridgeId}" is connected with another token; give each bridge its own --bridge-id`, retryAfterMs: 30_000n },
        CLOSE.bridgeIdInUse,
      );
    }
    // The same bridge again (a reconnect that beat the old socket's close): the new socket takes over.
    for (const old of holders) sockets.refuse(old, { code: "replaced", message: "a newer connection of this bridge took over", retryAfterMs: 0n }, CLOSE.replaced);
    sockets.update(ws, { tokenId: token.tokenId });
    state.setZoneName(zone);
    this.parts.background(uplink.recordSeen(zone).catch((err: unknown) => console.error(`zone ${zone}: not recorded as seen: ${String(err)}`)));
    await this.parts.catchUp();

    const head = state.head();
    const from = Number(hello.lastRevision);
    // Same revision but another checksum: the bridge's copy diverged (a bug
    // or a corrupt cache). Only a snapshot repairs that.
    const diverged = from === head.revision && hello.checksum !== head.checksum;
    const changed = from > 0 && !diverged ? state.changedSince(from) : undefined;
    const snapshot = changed === undefined;

    sockets.send(ws, { case: "welcome", value: { zone, revision: BigInt(head.revision), snapshot, features: [...ZONE_FEATURES] } });
    const frames = snapshot
      ? encodeUpdate({ ...head, fromRevision: 0, snapshot: true, upserts: state.allResources(), removals: [] })
      : encodeUpdate({ ...head, fromRevision: from, snapshot: false, ...state.resourcesFor(changed ?? []) });
    for (const f of frames) ws.send(f);
    ws.send(encodeEndpoints(endpoints.version, endpoints.all()));

    sockets.update(ws, { bridgeId: hello.bridgeId, ready: true });
    this.parts.admitted(hello.bridgeId, ws);
  }
}
