import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { contentTypeStreamRegExp, createEndStreamSerialization, endStreamFlag, parseContentType } from "@connectrpc/connect/protocol-connect";
import { BridgeMessageSchema, RefusedSchema, ZoneMessageSchema, type BridgeMessage } from "../contract/zone-protocol/zone_pb.js";
import { ZONE_LINK_MAX_MESSAGE_BYTES, ZONE_SYNC_PROCEDURE, type RequestHead } from "../contract/zone-protocol/zone-link.js";
import type { TokenRefusalCode } from "./token-refusal.js";

/** Why a zone refuses or drops a bridge: a closed set, each with its Connect code below. */
export type RefusalCode =
  | TokenRefusalCode
  | "wrong_zone"
  | "protocol_error"
  | "protocol_outdated"
  | "bad_frame"
  | "message_too_large"
  | "bridge_id_in_use"
  | "replaced"
  | "zone_deleted"
  | "silent";

/** Why a zone refuses or drops a bridge, as the Refused detail of the Connect error carries it. */
export interface Refusal {
  code: RefusalCode;
  message: string;
  retryAfterMs: bigint;
}

const CONNECT_CODE: Record<RefusalCode, Code> = {
  token_missing: Code.Unauthenticated,
  token_malformed: Code.Unauthenticated,
  token_bad_signature: Code.Unauthenticated,
  token_expired: Code.Unauthenticated,
  token_revoked: Code.Unauthenticated,
  token_wrong_zone: Code.PermissionDenied,
  // The zone could not check the token now; the same token may pass in a moment.
  token_unverifiable: Code.Unavailable,
  zone_misconfigured: Code.FailedPrecondition,
  wrong_zone: Code.PermissionDenied,
  protocol_error: Code.InvalidArgument,
  protocol_outdated: Code.Unimplemented,
  bad_frame: Code.InvalidArgument,
  message_too_large: Code.ResourceExhausted,
  bridge_id_in_use: Code.AlreadyExists,
  replaced: Code.Aborted,
  zone_deleted: Code.NotFound,
  silent: Code.DeadlineExceeded,
};

/** The Connect error a refusal ends the stream with; the Refused detail keeps the zone's own code and retry delay. */
export function refusalError(refusal: Refusal): ConnectError {
  return new ConnectError(refusal.message, CONNECT_CODE[refusal.code], undefined, [{ desc: RefusedSchema, value: { code: refusal.code, message: refusal.message, retryAfterMs: refusal.retryAfterMs } }]);
}

const endStream = createEndStreamSerialization({});

/** The end-stream envelope: with the refusal's error, or a clean end without one. */
export function encodeEndStream(refusal?: Refusal): Uint8Array {
  return encodeEnvelope(endStreamFlag, endStream.serialize({ metadata: new Headers(), error: refusal ? refusalError(refusal) : undefined }));
}

/** One ZoneMessage as the envelope a frame carries. */
export function encodeZoneFrame(msg: MessageInitShape<typeof ZoneMessageSchema>): Uint8Array {
  return encodeEnvelope(0, toBinary(ZoneMessageSchema, create(ZoneMessageSchema, msg)));
}

/**
 * A bridge frame's message. Each frame holds exactly one envelope (the
 * bridge's transport sends one per frame); a bridge never ends the stream
 * with an envelope (closing the socket is its half-close) and never
 * compresses (the head frame said so).
 */
export function decodeBridgeFrame(frame: Uint8Array): { ok: true; message: BridgeMessage } | { ok: false; refusal: Refusal } {
  if (frame.byteLength < 5) return bad(`a frame is one Connect envelope of at least 5 bytes, got ${frame.byteLength}`);
  const flags = frame[0]!;
  const length = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(1);
  if (length > ZONE_LINK_MAX_MESSAGE_BYTES) {
    return { ok: false, refusal: { code: "message_too_large", message: `a message may have at most ${ZONE_LINK_MAX_MESSAGE_BYTES} bytes, this one has ${length}`, retryAfterMs: 1_000n } };
  }
  if (length !== frame.byteLength - 5) return bad(`the envelope says ${length} bytes, the frame holds ${frame.byteLength - 5}: one envelope per frame`);
  if (flags !== 0) return bad(`envelope flags 0x${flags.toString(16)}: a bridge sends plain, uncompressed messages`);
  try {
    return { ok: true, message: fromBinary(BridgeMessageSchema, frame.subarray(5)) };
  } catch (err) {
    return bad(`not a BridgeMessage: ${String(err)}`);
  }
}

/**
 * Whether a frame is meant as a Connect envelope, judged by its first byte
 * alone: the envelope's flags (0 to 3). A first-protocol BridgeMessage
 * starts with a field tag, which is never below 8 (field numbers start at
 * 1). The rest of the envelope is checked when it is read
 * (`decodeBridgeFrame`), so a malformed one that arrives before its head
 * still ends the stream with a Connect error once the head came, instead of
 * being taken for an old bridge.
 */
export function isEnvelopeFrame(frame: Uint8Array): boolean {
  return frame.byteLength === 0 || frame[0]! <= 0x03;
}

/** What is wrong with a head frame, or undefined when the zone serves it. */
export function checkRequestHead(head: RequestHead | undefined): Refusal | undefined {
  if (!head) return protocolError(`the first frame is the request head, JSON {"procedure":"${ZONE_SYNC_PROCEDURE}","headers":{...}}`);
  if (head.procedure !== ZONE_SYNC_PROCEDURE) return protocolError(`a zone socket serves ${ZONE_SYNC_PROCEDURE}, not ${head.procedure}`);
  const type = parseContentType(head.headers["content-type"] ?? null);
  if (!type || !type.stream || !type.binary || !contentTypeStreamRegExp.test(head.headers["content-type"] ?? "")) {
    return protocolError(`content-type must be application/connect+proto, got "${head.headers["content-type"] ?? ""}"`);
  }
  const version = head.headers["connect-protocol-version"];
  if (version !== undefined && version !== "1") return protocolError(`connect-protocol-version must be 1, got "${version}"`);
  const encoding = head.headers["connect-content-encoding"];
  if (encoding !== undefined && encoding !== "identity") return protocolError(`the zone takes uncompressed messages, got connect-content-encoding "${encoding}"`);
  return undefined;
}

/**
 * The answer to a bridge of the first protocol (protobuf frames without
 * Connect envelopes): its own Refused message in its own framing, which it
 * logs as a refusal and waits out, instead of frames it cannot parse.
 */
export function legacyRefusalFrame(zone: string): Uint8Array {
  return toBinary(
    ZoneMessageSchema,
    create(ZoneMessageSchema, {
      msg: {
        case: "refused",
        value: {
          code: "protocol_outdated",
          message: `zone "${zone}" speaks ${ZONE_SYNC_PROCEDURE} over Connect envelopes; this bridge speaks the first protocol: upgrade the bridge to the control plane's version`,
          retryAfterMs: 300_000n,
        },
      },
    }),
  );
}

function bad(message: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { code: "bad_frame", message, retryAfterMs: 1_000n } };
}

function protocolError(message: string): Refusal {
  return { code: "protocol_error", message, retryAfterMs: 30_000n };
}
