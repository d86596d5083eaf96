import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AckState } from "../../src/contract/zone-protocol/zone_pb.js";
import { call, fetchAsAdmin, service } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

interface Sse {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads Server-Sent Events from a streaming response until `done` says the collection is complete. */
async function collect(res: Response, done: (events: Sse[]) => boolean): Promise<Sse[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const out: Sse[] = [];
  let buf = "";
  while (!done(out)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      const data = field("data");
      if (data) out.push({ id: field("id") ?? "", event: field("event") ?? "", data: JSON.parse(data) as Record<string, unknown> });
    }
  }
  await reader.cancel();
  return out;
}

describe("GET /v1/events", () => {
  it("streams written, zone-applied and proxy events for the resource followed", async () => {
    const sock = await ZoneSocket.open("ev-a", await zoneToken("ev-a"));
    sock.hello("ev-a", 0);
    await sock.next();
    await sock.nextUpdate();

    const res = await fetchAsAdmin("http://api/v1/events?mesh=default&kind=Service&name=ev-echo");
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    // Publishers are independent (API, zone): no order between their events.
    const events = collect(res, (got) => ["written", "zone-applied", "proxy-nacked"].every((t) => got.some((e) => e.event === t)));

    await call("PUT", "/v1/meshes/default/services/other", service("other"));
    const put = await call("PUT", "/v1/meshes/default/services/ev-echo", service("ev-echo"));
    const rev = (put.body.metadata as { revision: number }).revision;
    await sock.nextUpdate();
    sock.send({
      case: "status",
      value: { proxies: [{ proxyId: "p1", mesh: "default", typeUrl: "t/Cluster", state: AckState.NACK, revision: BigInt(rev), errorDetail: "bad", atMs: 1n }] },
    });

    const got = await events;
    const kinds = got.map((e) => `${e.event}:${String(e.data.name ?? e.data.proxyId)}`);
    expect(kinds).toContain("written:ev-echo");
    expect(kinds).toContain("zone-applied:ev-echo");
    expect(kinds).toContain("proxy-nacked:p1");
    expect(kinds.some((k) => k.endsWith(":other"))).toBe(false);
    expect(got.find((e) => e.event === "written")?.data).toMatchObject({ mesh: "default", kind: "Service", revision: rev });
    expect(got.find((e) => e.event === "proxy-nacked")?.data).toMatchObject({ errorDetail: "bad", zone: "ev-a", revision: rev });
    sock.close();
  });
});

describe("one commit path", () => {
  it("publishes a written event for a PUT, a DELETE, an apply and a rollback alike", async () => {
    const res = await fetchAsAdmin("http://api/v1/events?mesh=default&kind=Service&name=ev-one");
    const events = collect(res, (got) => got.filter((e) => e.event === "written").length >= 4);

    const put = await call("PUT", "/v1/meshes/default/services/ev-one", service("ev-one", 50051));
    const first = (put.body.metadata as { revision: number }).revision;
    const applied = await call("POST", "/v1/apply", [service("ev-one", 50052)]);
    const rolled = await call("POST", "/v1/meshes/default/services/ev-one/rollback", { revision: first });
    expect(rolled.status).toBe(200);
    const deleted = await call("DELETE", "/v1/meshes/default/services/ev-one");

    const written = (await events).filter((e) => e.event === "written").map((e) => e.data.revision);
    expect(written).toEqual([
      first,
      applied.body.revision,
      (rolled.body.metadata as { revision: number }).revision,
      deleted.body.revision,
    ]);
  });
});

describe("clients that hang up (hardening 17)", () => {
  it("drops a listener whose client went away at the next event, instead of writing to it forever", async () => {
    const hub = env.EVENTS!.get(env.EVENTS!.idFromName("events"));
    const event = () => hub.publish([{ type: "written", mesh: "default", kind: "Service", name: "gone", revision: 1, atMs: Date.now() }]);
    // Earlier tests' clients hung up too: let the hub find out first.
    for (let i = 0; i < 5; i++) {
      await event();
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = (await hub.stats()).listeners;
    const res = await fetchAsAdmin("http://api/v1/events?mesh=default");
    const reader = res.body!.getReader();
    await reader.read();
    expect((await hub.stats()).listeners).toBe(before + 1);
    await reader.cancel();
    let listeners = -1;
    for (let i = 0; i < 50 && listeners !== before; i++) {
      await event();
      await new Promise((r) => setTimeout(r, 20));
      listeners = (await hub.stats()).listeners;
    }
    expect(listeners).toBe(before);
  });
});

describe("many events at once (issue 13)", () => {
  it("writes one publish's events to a client as one write, each event framed as before", async () => {
    const hub = env.EVENTS!.get(env.EVENTS!.idFromName("events"));
    const res = await fetchAsAdmin("http://api/v1/events?mesh=batch");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toContain(": edgeplane events");
    // A CurrentAt of 250 proxies x 4 types publishes 1,000 proxy-acked events in one call.
    const events = Array.from({ length: 200 }, (_, i) => ({ type: "proxy-acked" as const, mesh: "batch", revision: 9, zone: "z", proxyId: `p${i}`, typeUrl: "t/Cluster", atMs: 5 }));
    await hub.publish([{ type: "written", mesh: "elsewhere", kind: "Service", name: "x", revision: 9, atMs: 5 }, ...events]);
    // The way to the client may cut a write into pieces (of some KiB), but does not join writes.
    let text = "";
    let reads = 0;
    while (text.split("\n\n").length <= 200) {
      text += (await reader.read()).value ?? "";
      reads++;
    }
    await reader.cancel();
    const frames = text.split("\n\n").filter((f) => f !== "");
    expect(frames).toHaveLength(200);
    expect(reads).toBeLessThan(20);
    expect(frames[0]).toMatch(/^id: \d+\nevent: proxy-acked\ndata: \{"type":"proxy-acked","mesh":"batch","revision":9,"zone":"z","proxyId":"p0","typeUrl":"t\/Cluster","atMs":5\}$/);
    const ids = frames.map((f) => Number(/^id: (\d+)/.exec(f)?.[1]));
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
  });
});
