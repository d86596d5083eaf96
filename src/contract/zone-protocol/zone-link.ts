import { ZoneSync } from "./zone_pb.js";

/**
 * How `ZoneSync.Sync` travels on the zone WebSocket, the part both ends share.
 *
 * The Connect protocol's streaming format carries the messages: each binary
 * WebSocket frame is one Connect envelope (1 byte of flags, 4 bytes of
 * big-endian length, the encoded message), and the zone ends the stream with
 * an end-stream envelope (flag 0x02) whose JSON carries a Connect error when
 * there is one. HTTP's request line and headers have no place on a WebSocket
 * after the upgrade, so they travel as the socket's first frame: the JSON of
 * {@link RequestHead}, sent as a binary frame like the envelopes. Its first
 * byte, "{", is neither an envelope's flags nor the tag a first-protocol
 * BridgeMessage starts with. Frames sent back to back after the upgrade were
 * seen to reach the zone out of order, so the zone holds envelopes that come
 * before the head (src/zone-do/bridge-frames.ts). The upgrade's 101 stands for Connect's response
 * head (status 200, `application/connect+proto`): a refusal is always an
 * end-stream error, never an HTTP status. The text frames "ping" and "pong"
 * stay outside Connect: the Workers runtime answers them without waking a
 * hibernated zone.
 */

/** The one procedure a zone socket serves. */
export const ZONE_SYNC_PROCEDURE = `/${ZoneSync.typeName}/${ZoneSync.method.sync.name}`;

/** The largest message either end sends or accepts: well under the 1 MiB WebSocket message budget. */
export const ZONE_LINK_MAX_MESSAGE_BYTES = 1024 * 1024 - 5;

/** The first frame of a zone socket: what an HTTP request line and headers would carry. */
export interface RequestHead {
  /** `/edgeplane.zone.v1.ZoneSync/Sync`. */
  procedure: string;
  /** Lower-case names: content-type, connect-protocol-version, authorization (`Bearer <zone token>`), ... */
  headers: Record<string, string>;
}

/** Encodes the head frame the bridge sends first. */
export function encodeRequestHead(procedure: string, headers: Headers): Uint8Array {
  const h: Record<string, string> = {};
  headers.forEach((value, key) => {
    h[key] = value;
  });
  return new TextEncoder().encode(JSON.stringify({ procedure, headers: h } satisfies RequestHead));
}

/** True for a frame that is a request head (its JSON starts with "{"). */
export function isRequestHeadFrame(frame: Uint8Array): boolean {
  return frame[0] === 0x7b;
}

/** Reads a head frame; undefined when it is not one (so the caller answers with a protocol error). */
export function parseRequestHead(frame: Uint8Array | string): RequestHead | undefined {
  let v: unknown;
  try {
    v = JSON.parse(typeof frame === "string" ? frame : new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(frame));
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const { procedure, headers } = v as Record<string, unknown>;
  if (typeof procedure !== "string" || typeof headers !== "object" || headers === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(headers)) if (typeof value === "string") out[k.toLowerCase()] = value;
  return { procedure, headers: out };
}

/** The zone token from an `authorization: Bearer <token>` header; "" without one. */
export function bearerToken(head: RequestHead): string {
  const m = /^Bearer\s+(\S+)$/i.exec(head.headers.authorization ?? "");
  return m ? m[1]! : "";
}
