import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { createEndStreamSerialization, endStreamFlag, requestHeader } from "@connectrpc/connect/protocol-connect";
import { SELF } from "cloudflare:test";
import { BridgeMessageSchema, RefusedSchema, ZoneMessageSchema, ZoneSync, type AdmissionState, type ZoneMessage } from "../../src/contract/zone-protocol/zone_pb.js";
import { encodeRequestHead, ZONE_SYNC_PROCEDURE } from "../../src/contract/zone-protocol/zone-link.js";

/** How the zone ended the stream: the Connect code, and the zone's own code and retry delay from the Refused detail. */
export interface StreamEnd {
  connectCode: Code | undefined;
  code: string;
  message: string;
  retryAfterMs: bigint;
}

const endStream = createEndStreamSerialization({});

/**
 * A bridge's end of `ZoneSync.Sync`, over a real WebSocket upgrade through
 * the Worker, for tests: the Connect request head, then BridgeMessages as
 * envelopes; ZoneMessages are awaited in order, and the end-stream (with the
 * zone's Connect error, if any) through `ended()`.
 */
export class ZoneSocket {
  private readonly queue: ZoneMessage[] = [];
  private end: StreamEnd | undefined;
  private endWaiters: ((e: StreamEnd) => void)[] = [];
  /** Every AdmissionState the zone sent, oldest first. */
  readonly admissions: AdmissionState[] = [];
  private waiters: ((m: ZoneMessage | Error) => void)[] = [];
  /** The client end of a workerd WebSocket delivers binary frames as Blobs;
   * reading them is async, so frames are decoded through one chain to keep order. */
  private decoding: Promise<void> = Promise.resolve();
  closed = false;

  private constructor(
    readonly ws: WebSocket,
    /** Sent in the request head; "" for none. */
    readonly token: string,
    private readonly legacy: boolean,
  ) {
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data === "string") return;
      const data = ev.data as ArrayBuffer | Blob;
      this.decoding = this.decoding.then(async () => {
        const bytes = new Uint8Array(data instanceof Blob ? await data.arrayBuffer() : data);
        if (this.legacy) return this.deliver(fromBinary(ZoneMessageSchema, bytes));
        const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(1);
        if (length !== bytes.byteLength - 5) throw new Error(`envelope of ${length} bytes in a frame of ${bytes.byteLength}`);
        if ((bytes[0]! & endStreamFlag) === endStreamFlag) return this.ended(endStream.parse(bytes.subarray(5)).error);
        this.deliver(fromBinary(ZoneMessageSchema, bytes.subarray(5)));
      });
    });
    ws.addEventListener("close", () => {
      this.closed = true;
    });
  }

  private deliver(msg: ZoneMessage): void {
    // AdmissionState frames come after every Welcome and on changes: kept apart, so tests of the rest read on undisturbed.
    if (msg.msg.case === "admission") {
      this.admissions.push(msg.msg.value);
      return;
    }
    const w = this.waiters.shift();
    if (w) w(msg);
    else this.queue.push(msg);
  }

  private ended(error: ConnectError | undefined): void {
    const refused = error?.findDetails(RefusedSchema)[0];
    this.end = { connectCode: error?.code, code: refused?.code ?? "", message: error?.rawMessage ?? "", retryAfterMs: refused?.retryAfterMs ?? 0n };
    for (const w of this.endWaiters.splice(0)) w(this.end);
    // Nothing follows an end-stream: whoever waits for a message hears why at once.
    for (const w of this.waiters.splice(0)) w(new Error(`the zone ended the stream: ${this.end.code || "ok"} ${this.end.message}`));
  }

  /**
   * Opens a socket and sends the request head with the token (none for "").
   * `legacy` speaks the first protocol instead: no head, bare protobuf frames;
   * `head` sends this text as the head frame, `noHead` sends none.
   */
  static async open(zone: string, token = "", opts: { legacy?: boolean; head?: string; noHead?: boolean } = {}): Promise<ZoneSocket> {
    const res = await SELF.fetch(`http://api/v1/zones/${zone}/connect`, { headers: { upgrade: "websocket" } });
    if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    const sock = new ZoneSocket(res.webSocket, token, opts.legacy === true);
    if (opts.noHead) return sock;
    if (opts.head !== undefined) res.webSocket.send(new TextEncoder().encode(opts.head));
    else if (!opts.legacy) {
      const header = requestHeader(ZoneSync.method.sync.methodKind, true, undefined, token ? { authorization: `Bearer ${token}` } : undefined, false);
      res.webSocket.send(encodeRequestHead(ZONE_SYNC_PROCEDURE, header));
    }
    return sock;
  }

  /** The last seq sent: messages are numbered like a bridge numbers them, so the zone handles them in order. */
  private seq = 0n;

  /** Sends `msg` numbered next, or with the `seq` given (a test of order). */
  send(msg: MessageInitShape<typeof BridgeMessageSchema>["msg"], seq?: bigint): void {
    const bytes = toBinary(BridgeMessageSchema, create(BridgeMessageSchema, { msg, seq: this.legacy ? 0n : (seq ?? ++this.seq) }));
    this.ws.send(this.legacy ? bytes : encodeEnvelope(0, bytes));
  }

  hello(zone: string, lastRevision = 0, checksum = "", bridgeId = `bridge-${zone}`): void {
    // The first protocol carried the token in Hello; Connect carries it in the head.
    this.send({ case: "hello", value: { zone, bridgeId, token: this.legacy ? this.token : "", lastRevision: BigInt(lastRevision), checksum } });
  }

  /** How the zone ended the stream (a refusal's Connect error and Refused detail); throws when it does not in time. */
  refusal(timeoutMs = 5000): Promise<StreamEnd> {
    if (this.end) return Promise.resolve(this.end);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("the zone did not end the stream in time")), timeoutMs);
      this.endWaiters.push((e) => {
        clearTimeout(t);
        resolve(e);
      });
    });
  }

  next(timeoutMs = 5000): Promise<ZoneMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.end) return Promise.reject(new Error(`the zone ended the stream: ${this.end.code || "ok"} ${this.end.message}`));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no zone message in time")), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(t);
        if (m instanceof Error) reject(m);
        else resolve(m);
      });
    });
  }

  /** The next update, passing over endpoint-layer frames; throws if another message type comes first. */
  async nextUpdate(timeoutMs?: number) {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m.msg.case === "endpoints") continue;
      if (m.msg.case !== "update") throw new Error(`expected update, got ${m.msg.case}`);
      return m.msg.value;
    }
  }

  /** The next endpoint-layer set, passing over journal updates. */
  async nextEndpoints(timeoutMs?: number) {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m.msg.case === "update") continue;
      if (m.msg.case !== "endpoints") throw new Error(`expected endpoints, got ${m.msg.case}`);
      return m.msg.value;
    }
  }

  close(): void {
    this.ws.close(1000, "test done");
  }
}
