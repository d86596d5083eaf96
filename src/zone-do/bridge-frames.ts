import { bearerToken, isRequestHeadFrame, parseRequestHead } from "../contract/zone-protocol/zone-link.js";
import type { BridgeMessage } from "../contract/zone-protocol/zone_pb.js";
import type { BridgeSockets } from "./bridge-sockets.js";
import { CLOSE } from "./bridge-handshake.js";
import { FrameOrder } from "./frame-order.js";
import { checkRequestHead, decodeBridgeFrame, legacyRefusalFrame, isEnvelopeFrame } from "./zone-link-frames.js";

/**
 * Reads what arrives on a bridge socket as `ZoneSync.Sync` over Connect
 * envelopes (src/contract/zone-protocol/zone-link.ts): first the request
 * head (JSON), then one envelope per frame. Anything else
 * ends the stream with a Connect error naming what was wrong; a bridge of the
 * first protocol (binary frames before any head) is answered in its own
 * framing, so it logs a clear refusal rather than bytes it cannot parse.
 *
 * @example const msg = frames.read(ws, data); if (msg) await dispatch(ws, msg);
 */
/** Envelopes a socket may send before its head before it is refused: a bridge sends one (its Hello). */
const MAX_EARLY_FRAMES = 16;

export class BridgeFrames {
  /**
   * Envelopes that reached the zone before their socket's head. Frames sent
   * back to back right after the upgrade were seen to arrive out of order
   * (the Hello before the head), so they wait here, in memory: a zone does
   * not hibernate within the milliseconds between them, and if it did, the
   * bridge's Hello would time out and it would connect again.
   */
  private readonly early = new Map<WebSocket, Uint8Array[]>();

  /** Numbered messages back in the bridge's order. */
  private readonly order = new FrameOrder();

  constructor(private readonly sockets: BridgeSockets) {}

  /** Forgets what a closed socket left waiting. */
  forget(ws: WebSocket): void {
    this.early.delete(ws);
    this.order.forget(ws);
  }

  /** The bridge's messages this frame makes readable, in order: none for the head itself or a refusal. */
  read(ws: WebSocket, data: string | ArrayBuffer): BridgeMessage[] {
    // "ping" is answered by the runtime without reaching here; other text means nothing in this protocol.
    if (typeof data === "string") return [];
    const att = this.sockets.attachment(ws);
    const frame = new Uint8Array(data);
    if (!att.headSeen) {
      if (isRequestHeadFrame(frame)) {
        const head = parseRequestHead(frame);
        const wrong = checkRequestHead(head);
        const waiting = this.early.get(ws) ?? [];
        this.early.delete(ws);
        if (wrong) {
          this.sockets.refuse(ws, wrong, CLOSE.protocol);
          return [];
        }
        this.sockets.update(ws, { headSeen: true, bearer: head ? bearerToken(head) : "" });
        return this.decodeAll(ws, waiting);
      }
      if (!isEnvelopeFrame(frame)) {
        // A bridge of the first protocol: bare BridgeMessages, no head.
        try {
          ws.send(legacyRefusalFrame(att.zone));
          ws.close(CLOSE.protocol, "protocol_outdated");
        } catch {
          // already closing
        }
        return [];
      }
      const waiting = this.early.get(ws) ?? [];
      if (waiting.length >= MAX_EARLY_FRAMES) {
        this.early.delete(ws);
        const refusal = checkRequestHead(undefined);
        if (refusal) this.sockets.refuse(ws, refusal, CLOSE.protocol);
        return [];
      }
      waiting.push(frame);
      this.early.set(ws, waiting);
      return [];
    }
    return this.decodeAll(ws, [frame]);
  }

  private decodeAll(ws: WebSocket, frames: Uint8Array[]): BridgeMessage[] {
    const out: BridgeMessage[] = [];
    for (const frame of frames) {
      const decoded = decodeBridgeFrame(frame);
      if (!decoded.ok) {
        this.sockets.refuse(ws, decoded.refusal, CLOSE.protocol);
        return out;
      }
      const ready = this.order.admit(ws, decoded.message, this.sockets.attachment(ws).helloSeen);
      if (ready === "overflow") {
        this.sockets.refuse(ws, { code: "protocol_error", message: "messages numbered past a gap that did not fill: seq counts each message of the call from 1", retryAfterMs: 1_000n }, CLOSE.protocol);
        return out;
      }
      out.push(...ready);
    }
    return out;
  }
}
