import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import type { UniversalClientFn, UniversalClientRequest, UniversalClientResponse } from "@connectrpc/connect/protocol";
import { createTransport, endStreamFlag } from "@connectrpc/connect/protocol-connect";
import WebSocket from "ws";
import { ZoneSync } from "../../contract/zone-protocol/zone_pb.js";
import { encodeRequestHead, ZONE_LINK_MAX_MESSAGE_BYTES } from "../../contract/zone-protocol/zone-link.js";
import { AsyncQueue } from "./async-queue.js";

export interface ZoneSocketOptions {
  /** The zone's WebSocket URL, ws(s)://host/v1/zones/<zone>/connect. */
  url: string;
  handshakeTimeoutMs?: number;
  /** The text "ping" goes this often; the runtime answers "pong" without waking the zone. */
  pingEveryMs: number;
  /** No pong for this long: the socket is dead and the call fails with `unavailable`. */
  deadAfterMs: number;
  /** Told when a socket went silent, before it is dropped. */
  onSilent?: (silentMs: number) => void;
}

/**
 * A Connect `Transport` for `ZoneSync.Sync` on one WebSocket per call
 * (src/contract/zone-protocol/zone-link.ts has the framing). Connect's own
 * client code does the protocol: request headers, envelopes, end-stream and
 * its errors, size limits. This file only stands in for HTTP: a call opens a
 * socket, sends the request head (JSON) as the first frame, then each
 * request envelope as a binary frame, and hands the frames it receives to
 * Connect as the response body.
 *
 * @example
 * const client = zoneSyncClient({ url, pingEveryMs: 10_000, deadAfterMs: 30_000 });
 * for await (const msg of client.sync(outgoing, { headers: { authorization: `Bearer ${token}` } })) ...
 */
export function zoneSyncClient(opts: ZoneSocketOptions): Client<typeof ZoneSync> {
  return createClient(ZoneSync, zoneSocketTransport(opts));
}

export function zoneSocketTransport(opts: ZoneSocketOptions): Transport {
  return createTransport({
    httpClient: webSocketClient(opts),
    baseUrl: opts.url,
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    readMaxBytes: ZONE_LINK_MAX_MESSAGE_BYTES,
    writeMaxBytes: ZONE_LINK_MAX_MESSAGE_BYTES,
  });
}

function webSocketClient(opts: ZoneSocketOptions): UniversalClientFn {
  const base = opts.url.replace(/\/$/, "");
  return (req) => {
    if (!req.url.startsWith(base)) return Promise.reject(new ConnectError(`${req.url} is not on the zone socket ${base}`, Code.Internal));
    return openCall(opts, req, req.url.slice(base.length));
  };
}

function openCall(opts: ZoneSocketOptions, req: UniversalClientRequest, procedure: string): Promise<UniversalClientResponse> {
  return new Promise((resolve, reject) => {
    // No permessage-deflate (ws offers it by default): zlib on every status report was 3% of a loaded bridge's CPU, next to its pushes.
    const ws = new WebSocket(opts.url, { handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000, perMessageDeflate: false });
    ws.binaryType = "nodebuffer";
    const inbox = new AsyncQueue<Uint8Array>();
    let opened = false;
    let endSeen = false;
    let lastPong = Date.now();
    let pinger: NodeJS.Timeout | undefined;
    const abort = (): void => {
      inbox.fail(new ConnectError("the call was cancelled", Code.Canceled));
      ws.terminate();
    };
    if (req.signal?.aborted) return reject(new ConnectError("the call was cancelled", Code.Canceled));
    req.signal?.addEventListener("abort", abort, { once: true });

    ws.on("open", () => {
      opened = true;
      ws.send(encodeRequestHead(procedure, req.header));
      void sendBody(ws, req.body, inbox);
      pinger = setInterval(() => {
        const silent = Date.now() - lastPong;
        if (silent > opts.deadAfterMs) {
          opts.onSilent?.(silent);
          inbox.fail(new ConnectError(`no pong from the zone for ${silent} ms`, Code.Unavailable));
          ws.terminate();
          return;
        }
        if (ws.readyState === WebSocket.OPEN) ws.send("ping");
      }, opts.pingEveryMs);
      // The upgrade stands for Connect's response head: the zone answers refusals with end-stream errors.
      resolve({ status: 200, header: new Headers({ "content-type": "application/connect+proto" }), body: inbox, trailer: new Headers() });
    });
    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        if (data.toString() === "pong") lastPong = Date.now();
        return;
      }
      const frame = new Uint8Array(data as Buffer);
      if (frame.byteLength > 0 && (frame[0]! & endStreamFlag) === endStreamFlag) endSeen = true;
      inbox.push(frame);
    });
    ws.on("close", (code, reason) => {
      clearInterval(pinger);
      req.signal?.removeEventListener("abort", abort);
      const why = `the zone socket closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`;
      if (!opened) return reject(new ConnectError(why, Code.Unavailable));
      // Closed after the end-stream: Connect reads it and ends the call (with its error, if any).
      if (endSeen) inbox.close();
      else inbox.fail(new ConnectError(`${why} before the end of the stream`, Code.Unavailable));
    });
    ws.on("error", (err) => {
      if (!opened) reject(new ConnectError(`cannot reach the zone: ${err.message}`, Code.Unavailable));
      else inbox.fail(new ConnectError(`zone socket: ${err.message}`, Code.Unavailable));
    });
  });
}

/** Each request envelope as one binary frame; a failure (say, a message over the size limit) ends the call. */
async function sendBody(ws: WebSocket, body: AsyncIterable<Uint8Array> | undefined, inbox: AsyncQueue<Uint8Array>): Promise<void> {
  if (!body) return;
  try {
    for await (const envelope of body) {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(envelope);
    }
  } catch (err) {
    inbox.fail(ConnectError.from(err));
    ws.terminate();
  }
}
