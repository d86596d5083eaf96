import { bearerToken, parseRequestHead } from "../contract/zone-protocol/zone-link.js";
import type { BridgeMessage } from "../contract/zone-protocol/zone_pb.js";
import type { BridgeSockets } from "./bridge-sockets.js";
import { CLOSE } from "./bridge-handshake.js";
import { checkRequestHead, decodeBridgeFrame, legacyRefusalFrame } from "./zone-link-frames.js";

/**
 * Reads what arrives on a bridge socket as `ZoneSync.Sync` over Connect
 * envelopes (src/contract/zone-protocol/zone-link.ts): first the request
 * head (a text frame), then one envelope per binary frame. Anything else
 * ends the stream with a Connect error naming what was wrong; a bridge of the
 * first protocol (binary frames before any head) is answered in its own
 * framing, so it logs a clear refusal rather than bytes it cannot parse.
 *
 * @example const msg = frames.read(ws, data); if (msg) await dispatch(ws, msg);
 */
export class BridgeFrames {
  constructor(private readonly sockets: BridgeSockets) {}

  /** The bridge's message in this frame, or undefined when there is none to act on (the head, a refusal). */
  read(ws: WebSocket, data: string | ArrayBuffer): BridgeMessage | undefined {
    const att = this.sockets.attachment(ws);
    if (typeof data === "string") {
      // "ping" is answered by the runtime without reaching here; any other text after the head means nothing.
      if (att.headSeen) return undefined;
      const head = parseRequestHead(data);
      const wrong = checkRequestHead(head);
      if (wrong) {
        this.sockets.refuse(ws, wrong, CLOSE.protocol);
        return undefined;
      }
      this.sockets.update(ws, { headSeen: true, bearer: head ? bearerToken(head) : "" });
      return undefined;
    }
    if (!att.headSeen) {
      try {
        ws.send(legacyRefusalFrame(att.zone));
        ws.close(CLOSE.protocol, "protocol_outdated");
      } catch {
        // already closing
      }
      return undefined;
    }
    const decoded = decodeBridgeFrame(new Uint8Array(data));
    if (!decoded.ok) {
      this.sockets.refuse(ws, decoded.refusal, CLOSE.protocol);
      return undefined;
    }
    return decoded.message;
  }
}
