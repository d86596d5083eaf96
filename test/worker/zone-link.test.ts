import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { BridgeMessageSchema } from "../../src/contract/zone-protocol/zone_pb.js";
import { ZONE_LINK_MAX_MESSAGE_BYTES, ZONE_SYNC_PROCEDURE } from "../../src/contract/zone-protocol/zone-link.js";
import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

async function closed(sock: ZoneSocket): Promise<boolean> {
  for (let i = 0; i < 100 && !sock.closed; i++) await new Promise((r) => setTimeout(r, 20));
  return sock.closed;
}

const hello = (zone: string) => toBinary(BridgeMessageSchema, create(BridgeMessageSchema, { msg: { case: "hello", value: { zone, bridgeId: "b-1" } } }));

describe("ZoneSync.Sync over Connect envelopes on the zone WebSocket", () => {
  it("serves a bridge that sends the request head, then envelopes", async () => {
    const sock = await ZoneSocket.open("link-ok", await zoneToken("link-ok"));
    sock.hello("link-ok");
    expect((await sock.next()).msg.case).toBe("welcome");
    expect((await sock.nextUpdate()).snapshot).toBe(true);
    sock.close();
  });

  it("answers a bridge of the first protocol in its own framing: Refused protocol_outdated, then close", async () => {
    const old = await ZoneSocket.open("link-old", await zoneToken("link-old"), { legacy: true });
    old.hello("link-old");
    const answer = await old.next();
    expect(answer.msg.case).toBe("refused");
    expect(answer.msg.case === "refused" && answer.msg.value).toMatchObject({ code: "protocol_outdated", retryAfterMs: 300_000n });
    expect(answer.msg.case === "refused" && answer.msg.value.message).toContain(ZONE_SYNC_PROCEDURE);
    expect(await closed(old)).toBe(true);
  });

  it("refuses a head for another procedure, another content type, or compression, each naming what is wrong", async () => {
    const cases: [string, string][] = [
      [JSON.stringify({ procedure: "/edgeplane.zone.v1.ZoneSync/Other", headers: { "content-type": "application/connect+proto" } }), "ZoneSync/Other"],
      [JSON.stringify({ procedure: ZONE_SYNC_PROCEDURE, headers: { "content-type": "application/connect+json" } }), "application/connect+proto"],
      [JSON.stringify({ procedure: ZONE_SYNC_PROCEDURE, headers: { "content-type": "application/connect+proto", "connect-content-encoding": "gzip" } }), "gzip"],
      ["{not json", "request head"],
    ];
    for (const [i, [head, says]] of cases.entries()) {
      const sock = await ZoneSocket.open(`link-head-${i}`, "", { head });
      const end = await sock.refusal();
      expect(end, head).toMatchObject({ code: "protocol_error", connectCode: Code.InvalidArgument });
      expect(end.message, head).toContain(says);
      expect(await closed(sock)).toBe(true);
    }
  });

  it("reads a Hello that arrives before its request head once the head comes (frames were seen out of order)", async () => {
    const token = await zoneToken("link-early");
    const sock = await ZoneSocket.open("link-early", token, { noHead: true });
    sock.ws.send(encodeEnvelope(0, hello("link-early")));
    sock.ws.send(new TextEncoder().encode(JSON.stringify({ procedure: ZONE_SYNC_PROCEDURE, headers: { "content-type": "application/connect+proto", authorization: `Bearer ${token}` } })));
    expect((await sock.next()).msg.case).toBe("welcome");
    sock.close();
  });

  it("judges a frame that arrives before its head by its first byte: a malformed envelope is still a Connect error, never the first protocol's refusal", async () => {
    const one = encodeEnvelope(0, hello("link-early-bad"));
    const two = new Uint8Array(one.byteLength * 2);
    two.set(one, 0);
    two.set(one, one.byteLength);
    const big = new Uint8Array(5);
    new DataView(big.buffer).setUint32(1, ZONE_LINK_MAX_MESSAGE_BYTES + 1);
    const cases: [string, Uint8Array, string][] = [
      ["two envelopes in one frame", two, "bad_frame"],
      ["compressed", encodeEnvelope(1, hello("link-early-bad")), "bad_frame"],
      ["over the limit", big, "message_too_large"],
    ];
    for (const [i, [what, frame, code]] of cases.entries()) {
      const token = await zoneToken(`link-early-bad-${i}`);
      const sock = await ZoneSocket.open(`link-early-bad-${i}`, token, { noHead: true });
      sock.ws.send(frame);
      sock.ws.send(new TextEncoder().encode(JSON.stringify({ procedure: ZONE_SYNC_PROCEDURE, headers: { "content-type": "application/connect+proto", authorization: `Bearer ${token}` } })));
      expect(await sock.refusal(), what).toMatchObject({ code });
    }
  });

  it("refuses a socket that sends envelopes and never its head, with a Connect error, not the first protocol's refusal", async () => {
    const sock = await ZoneSocket.open("link-headless", "", { noHead: true });
    for (let i = 0; i < 17; i++) sock.ws.send(encodeEnvelope(0, hello("link-headless")));
    expect(await sock.refusal()).toMatchObject({ code: "protocol_error", connectCode: Code.InvalidArgument });
  });

  it("refuses an envelope over the size limit with resource_exhausted, before reading it", async () => {
    const sock = await ZoneSocket.open("link-big", await zoneToken("link-big"));
    const frame = new Uint8Array(5);
    frame[0] = 0;
    new DataView(frame.buffer).setUint32(1, ZONE_LINK_MAX_MESSAGE_BYTES + 1);
    sock.ws.send(frame);
    expect(await sock.refusal()).toMatchObject({ code: "message_too_large", connectCode: Code.ResourceExhausted });
  });

  it("takes one envelope per frame: two in one frame, or a compressed one, end the stream with bad_frame", async () => {
    const two = await ZoneSocket.open("link-two", await zoneToken("link-two"));
    const one = encodeEnvelope(0, hello("link-two"));
    const both = new Uint8Array(one.byteLength * 2);
    both.set(one, 0);
    both.set(one, one.byteLength);
    two.ws.send(both);
    expect(await two.refusal()).toMatchObject({ code: "bad_frame", connectCode: Code.InvalidArgument });

    const zipped = await ZoneSocket.open("link-zip", await zoneToken("link-zip"));
    zipped.ws.send(encodeEnvelope(1, hello("link-zip")));
    expect((await zipped.refusal()).message).toContain("uncompressed");
  });

  it("ends the stream of a bridge without a token with unauthenticated and the retry delay in the Refused detail", async () => {
    const sock = await ZoneSocket.open("link-anon");
    sock.hello("link-anon");
    const end = await sock.refusal();
    expect(end).toMatchObject({ code: "token_missing", connectCode: Code.Unauthenticated, retryAfterMs: 30_000n });
    expect(await closed(sock)).toBe(true);
  });

  it("ignores a token in Hello: only the request head's authorization counts", async () => {
    const token = await zoneToken("link-hello-token");
    const sock = await ZoneSocket.open("link-hello-token");
    sock.send({ case: "hello", value: { zone: "link-hello-token", bridgeId: "b-1", token } });
    expect((await sock.refusal()).code).toBe("token_missing");
  });
});
