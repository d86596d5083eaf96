import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ZoneMessageSchema } from "../contract/zone-protocol/zone_pb.js";
import { encodeEndStream, encodeZoneFrame, type Refusal } from "./zone-link-frames.js";

export type { Refusal } from "./zone-link-frames.js";

/** Per-socket identity, kept across hibernation by serializeAttachment. */
export interface BridgeAttachment {
  zone: string;
  /** "" until the bridge's Hello was answered. */
  bridgeId: string;
  /** True once Hello was answered: the socket receives live updates. */
  ready: boolean;
  /** The zone token the bridge authenticated with, so a revocation can close its socket. */
  tokenId: string | undefined;
  /** When the upgrade was accepted: a socket that says no Hello in time is closed. */
  acceptedAtMs: number;
  /** A Hello arrived on this socket (one per socket; a second is a protocol error). */
  helloSeen: boolean;
  /** The Connect request head arrived: binary frames are envelopes from here on. */
  headSeen: boolean;
  /**
   * The zone token from the head's authorization header, kept only until the
   * Hello is answered (the token is checked there, then this is cleared).
   */
  bearer: string;
}

/** One ZoneMessage's payload (the oneof), as the generated types spell it. */
export type ZoneFrame = MessageInitShape<typeof ZoneMessageSchema>["msg"];

/**
 * The zone's bridge WebSockets: accepted hibernatable sockets with a typed
 * attachment each (what was learned from the bridge's Hello survives
 * hibernation there), and the one place frames are sent to them, so a send
 * that fails is logged the same way everywhere.
 *
 * @example
 * const sockets = new BridgeSockets(ctx, () => zoneName);
 * sockets.broadcast(encodeUpdate(change));
 */
export class BridgeSockets {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly zoneName: () => string,
  ) {}

  /** Accepts the server end of a new bridge connection; returns the client end for the 101 answer. */
  accept(zone: string): WebSocket {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    this.write(pair[1], { zone, bridgeId: "", ready: false, tokenId: undefined, acceptedAtMs: Date.now(), helloSeen: false, headSeen: false, bearer: "" });
    return pair[0];
  }

  attachment(ws: WebSocket): BridgeAttachment {
    return readAttachment(ws.deserializeAttachment());
  }

  /** Changes the socket's attachment; returns the new one. */
  update(ws: WebSocket, patch: Partial<BridgeAttachment>): BridgeAttachment {
    const next = { ...this.attachment(ws), ...patch };
    this.write(ws, next);
    return next;
  }

  all(): WebSocket[] {
    return this.ctx.getWebSockets();
  }

  /** Sockets of bridges whose Hello was answered. */
  ready(): WebSocket[] {
    return this.all().filter((ws) => this.attachment(ws).ready);
  }

  /** Ready sockets introduced as `bridgeId`, other than `except`. */
  holdersOf(bridgeId: string, except?: WebSocket): WebSocket[] {
    return this.ready().filter((ws) => ws !== except && this.attachment(ws).bridgeId === bridgeId);
  }

  /** Sends the same encoded frames to every ready bridge. */
  broadcast(frames: readonly Uint8Array[]): void {
    for (const ws of this.ready()) {
      try {
        for (const f of frames) ws.send(f);
      } catch (err) {
        console.error(`zone ${this.zoneName()}: send failed: ${String(err)}`);
      }
    }
  }

  send(ws: WebSocket, msg: ZoneFrame): void {
    ws.send(encodeZoneFrame({ msg }));
  }

  /**
   * Ends the stream with the refusal as a Connect error, then closes the
   * socket. It stops receiving broadcasts at once: until the close completes
   * the runtime still lists it.
   */
  refuse(ws: WebSocket, refusal: Refusal, closeCode: number): void {
    this.update(ws, { ready: false, tokenId: undefined, bearer: "" });
    try {
      ws.send(encodeEndStream(refusal));
      ws.close(closeCode, refusal.code);
    } catch {
      // already closing
    }
  }

  private write(ws: WebSocket, att: BridgeAttachment): void {
    ws.serializeAttachment(att);
  }
}

/** An attachment as stored, checked field by field (it crossed a hibernation). */
function readAttachment(value: unknown): BridgeAttachment {
  const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  return {
    zone: typeof v.zone === "string" ? v.zone : "",
    bridgeId: typeof v.bridgeId === "string" ? v.bridgeId : "",
    ready: v.ready === true,
    tokenId: typeof v.tokenId === "string" ? v.tokenId : undefined,
    acceptedAtMs: typeof v.acceptedAtMs === "number" ? v.acceptedAtMs : 0,
    helloSeen: v.helloSeen === true,
    headSeen: v.headSeen === true,
    bearer: typeof v.bearer === "string" ? v.bearer : "",
  };
}
