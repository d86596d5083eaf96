import { Code } from "@connectrpc/connect";
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { checksumOf } from "../../src/contract/checksum.js";
import type { Kind } from "../../src/contract/resource-types.js";
import { AckState } from "../../src/contract/zone-protocol/zone_pb.js";
import { call, journalHead, service } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

const decoder = new TextDecoder();

/** Waits until the zone applied `revision` (the notifier runs in waitUntil). */
async function zoneAt(zone: string, revision: number): Promise<void> {
  const stub = env.ZONES.get(env.ZONES.idFromName(zone));
  for (let i = 0; i < 100; i++) {
    if ((await stub.status()).revision >= revision) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`zone ${zone} never reached ${revision}`);
}

describe("zone Durable Object over a WebSocket", () => {
  it("sends a full snapshot to a new bridge, then live deltas for each write", async () => {
    const token = await zoneToken("zone-a");
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const head = await journalHead();
    const sock = await ZoneSocket.open("zone-a", token);
    sock.hello("zone-a", 0);

    const welcome = await sock.next();
    expect(welcome.msg).toMatchObject({ case: "welcome", value: { zone: "zone-a", revision: BigInt(head), snapshot: true } });
    const snap = await sock.nextUpdate();
    expect(snap.snapshot).toBe(true);
    expect(snap.revision).toBe(BigInt(head));
    const names = snap.upserts.map((u) => `${u.kind}/${u.name}`);
    expect(names).toContain("Service/echo");
    expect(names).toContain("Mesh/default");
    expect(snap.checksum).toBe(
      checksumOf(snap.upserts.map((u) => ({ key: { kind: u.kind as Kind, mesh: u.mesh, name: u.name }, revision: Number(u.revision) }))),
    );
    const echoDoc = JSON.parse(decoder.decode(snap.upserts.find((u) => u.name === "echo")!.document));
    expect(echoDoc).toMatchObject({ kind: "Service", spec: { ports: [{ port: 50051 }] } });

    // The connect call registered the zone, so the next write reaches it as a delta.
    const put = await call("PUT", "/v1/meshes/default/services/echo", service("echo", 6000));
    const rev = (put.body.metadata as { revision: number }).revision;
    const delta = await sock.nextUpdate();
    expect(delta).toMatchObject({ snapshot: false, fromRevision: BigInt(head), revision: BigInt(rev) });
    expect(delta.upserts.map((u) => u.name)).toEqual(["echo"]);

    await call("DELETE", "/v1/meshes/default/services/echo");
    const removal = await sock.nextUpdate();
    expect(removal.fromRevision).toBe(BigInt(rev));
    expect(removal.removals).toEqual([expect.objectContaining({ kind: "Service", mesh: "default", name: "echo" })]);
    sock.close();
  });

  it("resumes a reconnecting bridge with only what changed since its revision", async () => {
    const token = await zoneToken("zone-b");
    const first = await ZoneSocket.open("zone-b", token);
    first.hello("zone-b", 0);
    await first.next();
    const snap = await first.nextUpdate();
    first.close();

    await call("PUT", "/v1/meshes/default/services/one", service("one"));
    await call("PUT", "/v1/meshes/default/services/two", service("two"));
    // zone-b has no bridge now; it learns the writes when the bridge says Hello.
    const again = await ZoneSocket.open("zone-b", token);
    again.hello("zone-b", Number(snap.revision), snap.checksum);
    const welcome = await again.next();
    expect(welcome.msg).toMatchObject({ case: "welcome", value: { snapshot: false } });
    const delta = await again.nextUpdate();
    expect(delta.snapshot).toBe(false);
    expect(delta.fromRevision).toBe(snap.revision);
    expect(delta.upserts.map((u) => u.name).sort()).toEqual(["one", "two"]);
    again.close();
  });

  it("sends a full snapshot when the bridge's revision is older than the change log", async () => {
    const token = await zoneToken("zone-c");
    const first = await ZoneSocket.open("zone-c", token);
    first.hello("zone-c", 0);
    await first.next();
    const snap = await first.nextUpdate();
    first.close();

    // ZONE_CHANGE_LOG_ROWS is 5 in tests: eight writes push the old revision out.
    for (let i = 0; i < 8; i++) await call("PUT", `/v1/meshes/default/services/s${i}`, service(`s${i}`));
    const again = await ZoneSocket.open("zone-c", token);
    again.hello("zone-c", Number(snap.revision), snap.checksum);
    expect((await again.next()).msg).toMatchObject({ case: "welcome", value: { snapshot: true } });
    const full = await again.nextUpdate();
    expect(full.snapshot).toBe(true);
    expect(full.upserts.length).toBeGreaterThanOrEqual(9);
    again.close();
  });

  it("detects a diverged bridge by checksum and sends a snapshot", async () => {
    const token = await zoneToken("zone-d");
    const sock = await ZoneSocket.open("zone-d", token);
    sock.hello("zone-d", 0);
    await sock.next();
    const snap = await sock.nextUpdate();
    sock.close();
    const again = await ZoneSocket.open("zone-d", token);
    again.hello("zone-d", Number(snap.revision), "ffffffffffffffff");
    expect((await again.next()).msg).toMatchObject({ case: "welcome", value: { snapshot: true } });
    again.close();
  });

  it("refuses a bridge that names another zone", async () => {
    const token = await zoneToken("zone-e");
    const sock = await ZoneSocket.open("zone-e", token);
    sock.hello("zone-x", 0);
    expect(await sock.refusal()).toMatchObject({ code: "wrong_zone", connectCode: Code.PermissionDenied });
  });

  it("ends the stream of a garbage frame with a Connect error and keeps serving", async () => {
    const token = await zoneToken("zone-f");
    const sock = await ZoneSocket.open("zone-f", token);
    sock.ws.send(new Uint8Array([0xff, 0xff, 0xff, 0x01]));
    expect(await sock.refusal()).toMatchObject({ code: "bad_frame", connectCode: Code.InvalidArgument });
    const again = await ZoneSocket.open("zone-f", token);
    again.hello("zone-f", 0);
    expect((await again.next()).msg.case).toBe("welcome");
    again.close();
  });

  it("records proxy ACK and NACK reports, and marks proxies stale when the bridge leaves", async () => {
    const token = await zoneToken("zone-g");
    const sock = await ZoneSocket.open("zone-g", token);
    sock.hello("zone-g", 0);
    await sock.next();
    await sock.nextUpdate();
    sock.send({
      case: "status",
      value: {
        proxies: [
          { proxyId: "p1", mesh: "default", typeUrl: "t/Listener", state: AckState.ACK, revision: 7n, atMs: 1n },
          { proxyId: "p1", mesh: "default", typeUrl: "t/Cluster", state: AckState.NACK, revision: 7n, errorDetail: "bad lb", atMs: 2n },
        ],
      },
    });
    sock.send({ case: "applied", value: { revision: 7n } });
    const stub = env.ZONES.get(env.ZONES.idFromName("zone-g"));
    let status = await stub.status();
    for (let i = 0; i < 50 && (status.proxies.length === 0 || status.bridges[0]?.revisionApplied !== 7); i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await stub.status();
    }
    expect(status.bridges).toEqual([expect.objectContaining({ bridgeId: "bridge-zone-g", connected: true, revisionApplied: 7 })]);
    expect(status.proxies).toEqual([
      expect.objectContaining({
        proxyId: "p1",
        connected: true,
        types: [
          expect.objectContaining({ typeUrl: "t/Cluster", state: "NACK", errorDetail: "bad lb" }),
          expect.objectContaining({ typeUrl: "t/Listener", state: "ACK", revision: 7 }),
        ],
      }),
    ]);

    sock.close();
    for (let i = 0; i < 50 && status.proxies[0]?.connected; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await stub.status();
    }
    expect(status.proxies[0]?.connected).toBe(false);
    expect(status.bridges[0]?.connected).toBe(false);
  });

  it("keeps its state in its own storage and catches up from the journal", async () => {
    await call("PUT", "/v1/meshes/default/services/kept", service("kept"));
    const head = await journalHead();
    const stub = env.ZONES.get(env.ZONES.idFromName("zone-h"));
    expect((await stub.sync(head)).revision).toBe(head);
    await zoneAt("zone-h", head);
    await runInDurableObject(stub, async (_obj, state) => {
      const rows = state.storage.sql.exec<{ name: string }>("SELECT name FROM resources WHERE kind = 'Service'").toArray();
      expect(rows.map((r) => r.name)).toContain("kept");
    });
  });
});
