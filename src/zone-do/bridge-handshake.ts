import type { Hello } from "../contract/zone-protocol/zone_pb.js";
import type { Env } from "../env.js";
import type { BridgeSockets } from "./bridge-sockets.js";
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
  /** The bridge is in: record it as connected. */
  admitted(bridgeId: string): void;
}

/**
 * Answers a bridge's Hello (shared/design.md section 3): its zone token
 * (checked through the uplink, so autonomy rules apply when D1 is away),
 * its zone, then Welcome and the state it lacks: a delta from its revision
 * when the change log still reaches back that far and its checksum agrees,
 * otherwise a full snapshot; then the endpoint layer. Only then does the
 * socket receive live updates.
 *
 * @example await new BridgeHandshake(parts).answer(ws, hello);
 */
export class BridgeHandshake {
  constructor(private readonly parts: HandshakeParts) {}

  async answer(ws: WebSocket, hello: Hello): Promise<void> {
    const { sockets, state, endpoints, uplink } = this.parts;
    const zone = sockets.attachment(ws).zone;
    const token = await checkZoneToken({
      zone,
      token: hello.token,
      env: this.parts.env,
      records: { find: (id) => uplink.zoneToken(id) },
      sql: this.parts.sql,
      nowMs: Date.now(),
    });
    if (!token.ok) return sockets.refuse(ws, token.refused, 4001);
    sockets.update(ws, { tokenId: token.tokenId });
    if (hello.zone !== zone) {
      return sockets.refuse(ws, { code: "wrong_zone", message: `this is zone "${zone}", the bridge says "${hello.zone}"`, retryAfterMs: 30_000n }, 4003);
    }
    if (!hello.bridgeId) throw new Error("Hello without bridge_id");
    await this.parts.catchUp();

    const head = state.head();
    const from = Number(hello.lastRevision);
    // Same revision but another checksum: the bridge's copy diverged (a bug
    // or a corrupt cache). Only a snapshot repairs that.
    const diverged = from === head.revision && hello.checksum !== head.checksum;
    const changed = from > 0 && !diverged ? state.changedSince(from) : undefined;
    const snapshot = changed === undefined;

    sockets.send(ws, { case: "welcome", value: { zone, revision: BigInt(head.revision), snapshot } });
    const frames = snapshot
      ? encodeUpdate({ ...head, fromRevision: 0, snapshot: true, upserts: state.allResources(), removals: [] })
      : encodeUpdate({ ...head, fromRevision: from, snapshot: false, ...state.resourcesFor(changed ?? []) });
    for (const f of frames) ws.send(f);
    ws.send(encodeEndpoints(endpoints.version, endpoints.all()));

    sockets.update(ws, { bridgeId: hello.bridgeId, ready: true });
    this.parts.admitted(hello.bridgeId);
  }
}
