import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { SELF } from "cloudflare:test";
import { BridgeMessageSchema, ZoneMessageSchema, type AdmissionState, type ZoneMessage } from "../../src/contract/zone-protocol/zone_pb.js";

/**
 * A bridge's end of the zone protocol, over a real WebSocket upgrade through
 * the Worker, for tests: send BridgeMessages, await ZoneMessages in order.
 */
export class ZoneSocket {
  private readonly queue: ZoneMessage[] = [];
  /** Every AdmissionState the zone sent, oldest first. */
  readonly admissions: AdmissionState[] = [];
  private waiters: ((m: ZoneMessage) => void)[] = [];
  /** The client end of a workerd WebSocket delivers binary frames as Blobs;
   * reading them is async, so frames are decoded through one chain to keep order. */
  private decoding: Promise<void> = Promise.resolve();
  closed = false;

  private constructor(
    readonly ws: WebSocket,
    /** Sent in every Hello; "" for none. */
    readonly token: string,
  ) {
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data === "string") return;
      const data = ev.data as ArrayBuffer | Blob;
      this.decoding = this.decoding.then(async () => {
        const bytes = new Uint8Array(data instanceof Blob ? await data.arrayBuffer() : data);
        const msg = fromBinary(ZoneMessageSchema, bytes);
        // AdmissionState frames come after every Welcome and on changes: kept apart, so tests of the rest read on undisturbed.
        if (msg.msg.case === "admission") {
          this.admissions.push(msg.msg.value);
          return;
        }
        const w = this.waiters.shift();
        if (w) w(msg);
        else this.queue.push(msg);
      });
    });
    ws.addEventListener("close", () => {
      this.closed = true;
    });
  }

  static async open(zone: string, token = ""): Promise<ZoneSocket> {
    const res = await SELF.fetch(`http://api/v1/zones/${zone}/connect`, { headers: { upgrade: "websocket" } });
    if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    return new ZoneSocket(res.webSocket, token);
  }

  send(msg: MessageInitShape<typeof BridgeMessageSchema>["msg"]): void {
    this.ws.send(toBinary(BridgeMessageSchema, create(BridgeMessageSchema, { msg })));
  }

  hello(zone: string, lastRevision = 0, checksum = "", bridgeId = `bridge-${zone}`): void {
    this.send({ case: "hello", value: { zone, bridgeId, token: this.token, lastRevision: BigInt(lastRevision), checksum } });
  }

  next(timeoutMs = 5000): Promise<ZoneMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no zone message in time")), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(t);
        resolve(m);
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
