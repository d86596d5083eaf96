import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { journalHead } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

describe("zone alarm", () => {
  it("catches up with a journal write the zone was never told about, and pushes it", async () => {
    const sock = await ZoneSocket.open("al-a", await zoneToken("al-a"));
    sock.hello("al-a", 0);
    await sock.next();
    const snap = await sock.nextUpdate();
    // A write that skips the global plane's notification (as a lost RPC would).
    const doc = JSON.stringify({ kind: "Service", metadata: { name: "missed", mesh: "default" }, spec: { ports: [{ port: 1 }] } });
    await env.DB.batch([
      env.DB.prepare("INSERT INTO journal (kind, mesh, name, op, document, at) VALUES ('Service', 'default', 'missed', 'put', ?, ?)").bind(doc, new Date().toISOString()),
      env.DB.prepare("INSERT INTO resources (kind, mesh, name, revision, document, created_at, updated_at) SELECT 'Service', 'default', 'missed', max(seq), ?, 'x', 'x' FROM journal").bind(doc),
    ]);
    const head = await journalHead();
    const stub = env.ZONES.get(env.ZONES.idFromName("al-a"));
    expect((await stub.status()).revision).toBeLessThan(head);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.status()).revision).toBe(head);
    const delta = await sock.nextUpdate();
    expect(delta.fromRevision).toBe(snap.revision);
    expect(delta.upserts.map((u) => u.name)).toContain("missed");
    sock.close();
  });
});
