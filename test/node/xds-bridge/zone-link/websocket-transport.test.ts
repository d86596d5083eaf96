import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { createEndStreamSerialization, endStreamFlag } from "@connectrpc/connect/protocol-connect";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { BridgeMessageSchema, RefusedSchema, ZoneMessageSchema, type BridgeMessage } from "../../../../src/contract/zone-protocol/zone_pb.js";
import { isRequestHeadFrame, parseRequestHead, ZONE_LINK_MAX_MESSAGE_BYTES, ZONE_SYNC_PROCEDURE, type RequestHead } from "../../../../src/contract/zone-protocol/zone-link.js";
import { AsyncQueue } from "../../../../src/xds-bridge/zone-link/async-queue.js";
import { zoneSyncClient } from "../../../../src/xds-bridge/zone-link/websocket-transport.js";

const endStream = createEndStreamSerialization({});
type BridgeInit = MessageInitShape<typeof BridgeMessageSchema>;

/** A zone end written from Connect's protocol helpers, to see exactly what the transport puts on the socket. */
class FakeZone {
  readonly heads: RequestHead[] = [];
  readonly received: BridgeMessage[] = [];
  readonly frames: Buffer[] = [];
  private server!: WebSocketServer;
  private onSocket: (ws: WebSocket) => void = () => {};

  async start(onSocket: (ws: WebSocket) => void): Promise<string> {
    this.onSocket = onSocket;
    this.server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise<void>((r) => this.server.once("listening", () => r()));
    this.server.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => {
        if (!isBinary) return; // "ping"
        const frame = data as Buffer;
        if (isRequestHeadFrame(frame)) {
          const head = parseRequestHead(frame);
          if (head) this.heads.push(head);
          return;
        }
        this.frames.push(frame);
        this.received.push(fromBinary(BridgeMessageSchema, frame.subarray(5)));
      });
      this.onSocket(ws);
    });
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/zones/z/connect`;
  }

  stop(): Promise<void> {
    for (const c of this.server.clients) c.terminate();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const zoneFrame = (msg: MessageInitShape<typeof ZoneMessageSchema>) => encodeEnvelope(0, toBinary(ZoneMessageSchema, create(ZoneMessageSchema, msg)));

async function readAll(it: AsyncIterable<unknown>): Promise<{ messages: unknown[]; error?: ConnectError }> {
  const messages: unknown[] = [];
  try {
    for await (const m of it) messages.push(m);
    return { messages };
  } catch (err) {
    return { messages, error: ConnectError.from(err) };
  }
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error("condition not met in time");
};

let zone: FakeZone;
afterEach(async () => zone?.stop());

describe("ZoneSync.Sync on a WebSocket (Connect client, this transport)", () => {
  it("sends the request head first, then one envelope per message, and reads the zone's envelopes and a clean end", async () => {
    zone = new FakeZone();
    const url = await zone.start((ws) => {
      ws.send(zoneFrame({ msg: { case: "welcome", value: { zone: "z", revision: 7n } } }));
      // Ends the stream once both messages are in.
      ws.on("message", () => {
        if (zone.received.length < 2) return;
        ws.send(encodeEnvelope(endStreamFlag, endStream.serialize({ metadata: new Headers() })));
        ws.close(1000);
      });
    });
    const out = new AsyncQueue<BridgeInit>();
    out.push({ msg: { case: "hello", value: { zone: "z", bridgeId: "b" } } });
    out.push({ msg: { case: "applied", value: { revision: 7n } } });
    const client = zoneSyncClient({ url, pingEveryMs: 1_000, deadAfterMs: 3_000 });
    const { messages, error } = await readAll(client.sync(out, { headers: { authorization: "Bearer ept1.t.s" } }));
    expect(error).toBeUndefined();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ msg: { case: "welcome", value: { zone: "z", revision: 7n } } });
    expect(zone.heads).toHaveLength(1);
    expect(zone.heads[0]!.procedure).toBe(ZONE_SYNC_PROCEDURE);
    expect(zone.heads[0]!.headers).toMatchObject({ "content-type": "application/connect+proto", "connect-protocol-version": "1", authorization: "Bearer ept1.t.s" });
    expect(zone.received.map((m) => m.msg.case)).toEqual(["hello", "applied"]);
    for (const f of zone.frames) expect(f.readUInt32BE(1)).toBe(f.byteLength - 5);
  });

  it("turns the zone's end-stream error into a ConnectError with its code and the Refused detail", async () => {
    zone = new FakeZone();
    const url = await zone.start((ws) => {
      const error = new ConnectError("the token expired", Code.Unauthenticated, undefined, [
        { desc: RefusedSchema, value: { code: "token_expired", message: "the token expired", retryAfterMs: 30_000n } },
      ]);
      ws.send(encodeEnvelope(endStreamFlag, endStream.serialize({ metadata: new Headers(), error })));
      ws.close(4001);
    });
    const out = new AsyncQueue<BridgeInit>();
    const { error } = await readAll(zoneSyncClient({ url, pingEveryMs: 1_000, deadAfterMs: 3_000 }).sync(out));
    out.close();
    expect(error?.code).toBe(Code.Unauthenticated);
    expect(error?.rawMessage).toBe("the token expired");
    expect(error?.findDetails(RefusedSchema)[0]).toMatchObject({ code: "token_expired", retryAfterMs: 30_000n });
  });

  it("fails with unavailable when the socket closes before the end of the stream, or nothing listens", async () => {
    zone = new FakeZone();
    const url = await zone.start((ws) => {
      ws.send(zoneFrame({ msg: { case: "welcome", value: { zone: "z" } } }));
      setTimeout(() => ws.terminate(), 20);
    });
    const out = new AsyncQueue<BridgeInit>();
    const cut = await readAll(zoneSyncClient({ url, pingEveryMs: 1_000, deadAfterMs: 3_000 }).sync(out));
    out.close();
    expect(cut.messages).toHaveLength(1);
    expect(cut.error?.code).toBe(Code.Unavailable);
    expect(cut.error?.rawMessage).toContain("before the end of the stream");

    await zone.stop();
    const none = await readAll(zoneSyncClient({ url, pingEveryMs: 1_000, deadAfterMs: 3_000 }).sync(new AsyncQueue<BridgeInit>()));
    expect(none.error?.code).toBe(Code.Unavailable);
    zone = new FakeZone();
    await zone.start(() => {});
  });

  it("fails with unavailable when the zone stops answering pings", async () => {
    zone = new FakeZone();
    // A zone that never answers "pong".
    const url = await zone.start(() => {});
    let silentFor = 0;
    const out = new AsyncQueue<BridgeInit>();
    const { error } = await readAll(zoneSyncClient({ url, pingEveryMs: 20, deadAfterMs: 100, onSilent: (ms) => (silentFor = ms) }).sync(out));
    out.close();
    expect(error?.code).toBe(Code.Unavailable);
    expect(silentFor).toBeGreaterThan(100);
  });

  it("refuses to send a message over the size limit and ends the call with resource_exhausted", async () => {
    zone = new FakeZone();
    const url = await zone.start(() => {});
    const out = new AsyncQueue<BridgeInit>();
    const big = new Uint8Array(ZONE_LINK_MAX_MESSAGE_BYTES + 1);
    out.push({ msg: { case: "discovered", value: { workloads: [{ kind: "Workload", mesh: "m", name: "w", document: big }] } } });
    const { error } = await readAll(zoneSyncClient({ url, pingEveryMs: 1_000, deadAfterMs: 3_000 }).sync(out));
    out.close();
    expect(error?.code).toBe(Code.ResourceExhausted);
    expect(zone.received).toHaveLength(0);
  });

  it("cancels the call and closes the socket when the signal aborts", async () => {
    zone = new FakeZone();
    let closed = false;
    const url = await zone.start((ws) => ws.on("close", () => (closed = true)));
    const abort = new AbortController();
    const out = new AsyncQueue<BridgeInit>();
    const reading = readAll(zoneSyncClient({ url, pingEveryMs: 1_000, deadAfterMs: 3_000 }).sync(out, { signal: abort.signal }));
    await until(() => zone.heads.length === 1);
    abort.abort();
    const { error } = await reading;
    expect(error?.code).toBe(Code.Canceled);
    await until(() => closed);
  });
});
