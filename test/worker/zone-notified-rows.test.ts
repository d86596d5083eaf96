import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ResourceStore } from "../../src/store/resource-store.js";
import { call, journalHead, service } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

const zoneStub = (zone: string) => env.ZONES.get(env.ZONES.idFromName(zone));

describe("the committed rows in a write's notification", () => {
  it("are applied and pushed without reading D1 (the zone is cut off from it)", async () => {
    const sock = await ZoneSocket.open("nr-a", await zoneToken("nr-a"));
    sock.hello("nr-a", 0);
    expect((await sock.next()).msg.case).toBe("welcome");
    await sock.nextUpdate();
    await zoneStub("nr-a").setUplinkDown(true);
    try {
      const put = await call("PUT", "/v1/meshes/default/services/nr-pushed", service("nr-pushed"));
      const revision = (put.body.metadata as { revision: number }).revision;
      const update = await sock.nextUpdate();
      expect(Number(update.revision)).toBe(revision);
      expect(update.upserts.map((r) => r.name)).toEqual(["nr-pushed"]);
      expect((await zoneStub("nr-a").status()).revision).toBe(revision);
    } finally {
      await zoneStub("nr-a").setUplinkDown(false);
      sock.close();
    }
  });

  it("are set aside when they do not continue the zone's revision: the zone pulls instead", async () => {
    await call("PUT", "/v1/meshes/default/services/nr-gap-1", service("nr-gap-1"));
    await call("PUT", "/v1/meshes/default/services/nr-gap-2", service("nr-gap-2"));
    const head = await journalHead();
    const last = await new ResourceStore(env.DB).journalAfter(head - 1, 1);
    expect(last.map((e) => e.seq)).toEqual([head]);

    // A zone that never saw a write, cut off from D1: the last row alone leaves a gap, so it is not applied.
    const cut = zoneStub("nr-gap-cut");
    await cut.setUplinkDown(true);
    expect((await cut.sync(head, last)).revision).toBe(0);
    // Back online, the pull (catch-up and fallback) brings everything.
    expect((await cut.setUplinkDown(false)).revision).toBe(head);

    // Online, the gap sends the zone to D1 within the same call.
    const fallback = zoneStub("nr-gap-pull");
    expect((await fallback.sync(head, last)).revision).toBe(head);
    const trace = await fallback.revisionTrace("Service/default/nr-gap-1");
    expect(trace?.revision).toBe(head - 1);
  });

  it("may overlap what the zone already holds", async () => {
    const put = await call("PUT", "/v1/meshes/default/services/nr-overlap", service("nr-overlap"));
    const revision = (put.body.metadata as { revision: number }).revision;
    const zone = zoneStub("nr-overlap");
    expect((await zone.sync(revision)).revision).toBe(revision);
    const rows = await new ResourceStore(env.DB).journalAfter(revision - 1, 1);
    // Rows at or below the zone's revision change nothing and need no pull.
    expect((await zone.sync(revision, rows)).revision).toBe(revision);
  });
});
