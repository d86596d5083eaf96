import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AckState, type BridgeMessageSchema } from "../../src/contract/zone-protocol/zone_pb.js";
import type { ZoneStatus } from "../../src/contract/zone-status.js";
import { connectedBridge } from "./connected-bridge.js";
import type { ZoneSocket } from "./zone-socket.js";

const TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener";

/** One proxy's Listener ACKed at `revision`. */
const status = (revision: number): MessageInitShape<typeof BridgeMessageSchema>["msg"] => ({
  case: "status",
  value: { proxies: [{ proxyId: "o1", mesh: "ord", typeUrl: TYPE, state: AckState.ACK, revision: BigInt(revision), atMs: 1_000n, service: "web" }] },
});

const rowsOf = async (zone: string) => ((await env.ZONES.get(env.ZONES.idFromName(zone)).status()) as ZoneStatus).proxies;

/** Waits until the zone handled everything numbered up to what it answers: the echo of a probe sent last. */
async function echoed(sock: ZoneSocket, seq: bigint): Promise<void> {
  sock.send({ case: "clockProbe", value: { bridgeSentMs: 1 } }, seq);
  for (;;) if ((await sock.next()).msg.case === "clockEcho") return;
}

describe("numbered bridge messages (BridgeMessage.seq)", () => {
  it("are handled in the bridge's order even when a frame overtakes the one sent before it", async () => {
    const sock = await connectedBridge("order-a");
    // Hello was 1. The CurrentAt (3) reaches the zone before the ProxyStatus (2) it follows.
    sock.send({ case: "currentAt", value: { revision: 9n, mesh: "ord", atMs: 2_000n, proxyIds: ["o1"], allExcept: false } }, 3n);
    sock.send(status(4), 2n);
    await echoed(sock, 4n);
    // In the bridge's order the CurrentAt moved o1 on; taken as they came, it would have found no row and o1 would stay at 4.
    expect((await rowsOf("order-a")).map((p) => [p.proxyId, p.types.map((t) => [t.revision, t.atMs])])).toEqual([["o1", [[9, 2_000]]]]);
    sock.close();
  });

  it("refuse a socket whose gap does not fill: 64 messages wait, the 65th ends the stream", async () => {
    const sock = await connectedBridge("order-b");
    for (let i = 0; i < 65; i++) sock.send(status(i), BigInt(10 + i));
    expect(await sock.refusal()).toMatchObject({ code: "protocol_error" });
    expect(await rowsOf("order-b")).toEqual([]);
  });
});
