import { Code } from "@connectrpc/connect";
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

/** Zones the global plane knows (and wakes on every write). */
async function knownZones(): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT name FROM zones_seen UNION SELECT name FROM resources WHERE kind = 'Zone'").all<{ name: string }>();
  return rows.results.map((r) => r.name);
}

async function bridgesOf(zone: string) {
  return (await env.ZONES.get(env.ZONES.idFromName(zone)).status()).bridges;
}

/** Resolves once the socket is closed (or after `ms`, false). */
async function closedWithin(sock: ZoneSocket, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!sock.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return sock.closed;
}

describe("zone admission (hardening 7, 8)", () => {
  it("records nothing for upgrades that never authenticate, so writes never wake such zones", async () => {
    const silent = await ZoneSocket.open("ghost-silent");
    const forged = await ZoneSocket.open("ghost-forged", "ept1.e30.AAAA");
    forged.hello("ghost-forged");
    expect((await forged.refusal()).code).toBe("token_malformed");
    const zones = await knownZones();
    expect(zones).not.toContain("ghost-silent");
    expect(zones).not.toContain("ghost-forged");
    const listed = await call("GET", "/v1/zones");
    expect((listed.body.items as { name: string }[]).map((z) => z.name)).not.toContain("ghost-silent");

    // A socket that never says Hello is closed by the zone's alarm after the handshake timeout.
    const stub = env.ZONES.get(env.ZONES.idFromName("ghost-silent"));
    await runInDurableObject(stub, async (_obj, state) => {
      for (const ws of state.getWebSockets()) {
        const att = ws.deserializeAttachment() as Record<string, unknown>;
        ws.serializeAttachment({ ...att, acceptedAtMs: Date.now() - 60_000 });
      }
    });
    await runDurableObjectAlarm(stub);
    expect(await closedWithin(silent, 2000)).toBe(true);
  });

  it("records a zone once a bridge's Hello is authenticated", async () => {
    const token = await zoneToken("adm-ok");
    await env.DB.prepare("DELETE FROM resources WHERE kind = 'Zone' AND name = 'adm-ok'").run();
    expect(await knownZones()).not.toContain("adm-ok");
    const sock = await ZoneSocket.open("adm-ok", token);
    sock.hello("adm-ok");
    expect((await sock.next()).msg.case).toBe("welcome");
    expect(await knownZones()).toContain("adm-ok");
    sock.close();
  });

  it("refuses a second Hello on one socket and keeps one bridge", async () => {
    const sock = await ZoneSocket.open("adm-twice", await zoneToken("adm-twice"));
    sock.hello("adm-twice", 0, "", "bridge-1");
    expect((await sock.next()).msg.case).toBe("welcome");
    sock.hello("adm-twice", 0, "", "bridge-2");
    const refused = await sock.refusal();
    expect(refused).toMatchObject({ code: "protocol_error", connectCode: Code.InvalidArgument });
    expect(await closedWithin(sock, 2000)).toBe(true);
    const bridges = await bridgesOf("adm-twice");
    expect(bridges.map((b) => b.bridgeId)).toEqual(["bridge-1"]);
    expect(bridges.every((b) => !b.connected)).toBe(true);
  });

  it("refuses a Hello that takes a live bridge's id with another token; the real bridge stays connected", async () => {
    const real = await ZoneSocket.open("adm-spoof", await zoneToken("adm-spoof"));
    real.hello("adm-spoof", 0, "", "bridge-real");
    expect((await real.next()).msg.case).toBe("welcome");
    const spoof = await ZoneSocket.open("adm-spoof", await zoneToken("adm-spoof"));
    spoof.hello("adm-spoof", 0, "", "bridge-real");
    expect(await spoof.refusal()).toMatchObject({ code: "bridge_id_in_use", connectCode: Code.AlreadyExists });
    expect(await closedWithin(spoof, 2000)).toBe(true);
    expect((await bridgesOf("adm-spoof")).find((b) => b.bridgeId === "bridge-real")?.connected).toBe(true);
    real.close();
  });

  it("lets a bridge reconnect under its own id and token, and the old socket's close does not disconnect it", async () => {
    const token = await zoneToken("adm-again");
    const first = await ZoneSocket.open("adm-again", token);
    first.hello("adm-again", 0, "", "bridge-a");
    expect((await first.next()).msg.case).toBe("welcome");
    const second = await ZoneSocket.open("adm-again", token);
    second.hello("adm-again", 0, "", "bridge-a");
    expect((await second.next()).msg.case).toBe("welcome");
    expect(await closedWithin(first, 2000)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect((await bridgesOf("adm-again")).find((b) => b.bridgeId === "bridge-a")?.connected).toBe(true);
    second.close();
  });
});

describe("zone status is live (hardening 9)", () => {
  it("shows a bridge connected only while it has a live socket, whatever its stored row says", async () => {
    const sock = await ZoneSocket.open("live-a", await zoneToken("live-a"));
    sock.hello("live-a", 0, "", "bridge-live");
    expect((await sock.next()).msg.case).toBe("welcome");
    const stub = env.ZONES.get(env.ZONES.idFromName("live-a"));
    // A row left "connected" by a restart that lost the close events.
    await runInDurableObject(stub, async (_obj, state) => {
      state.storage.sql.exec(
        "INSERT INTO bridges (bridge_id, connected, connected_at_ms, last_seen_ms) VALUES ('bridge-gone', 1, ?, ?)",
        Date.now() - 600_000,
        Date.now() - 600_000,
      );
    });
    const bridges = await bridgesOf("live-a");
    expect(bridges.find((b) => b.bridgeId === "bridge-live")?.connected).toBe(true);
    expect(bridges.find((b) => b.bridgeId === "bridge-gone")?.connected).toBe(false);
    sock.close();
  });
});

describe("zone deletion (hardening 7)", () => {
  it("deletes a zone with its records: resource, zones seen, tokens, inventory, zone storage", async () => {
    const token = await zoneToken("adm-del");
    const sock = await ZoneSocket.open("adm-del", token);
    sock.hello("adm-del");
    expect((await sock.next()).msg.case).toBe("welcome");
    const del = await call("DELETE", "/v1/zones/adm-del");
    expect(del.status).toBe(200);
    expect(await closedWithin(sock, 2000)).toBe(true);
    expect(await knownZones()).not.toContain("adm-del");
    const tokens = await env.DB.prepare("SELECT revoked_at FROM zone_tokens WHERE zone = 'adm-del'").all<{ revoked_at: string | null }>();
    expect(tokens.results.length).toBeGreaterThan(0);
    expect(tokens.results.every((t) => t.revoked_at !== null)).toBe(true);
    const status = await env.ZONES.get(env.ZONES.idFromName("adm-del")).status();
    expect(status.bridges).toEqual([]);
    expect(status.revision).toBe(0);
  });

  it("forgets a zone that was only seen, never declared", async () => {
    const token = await zoneToken("adm-seen");
    await env.DB.prepare("DELETE FROM resources WHERE kind = 'Zone' AND name = 'adm-seen'").run();
    const sock = await ZoneSocket.open("adm-seen", token);
    sock.hello("adm-seen");
    expect((await sock.next()).msg.case).toBe("welcome");
    expect(await knownZones()).toContain("adm-seen");
    expect((await call("DELETE", "/v1/zones/adm-seen")).status).toBe(200);
    expect(await knownZones()).not.toContain("adm-seen");
    expect((await call("DELETE", "/v1/zones/adm-never")).status).toBe(404);
  });
});
