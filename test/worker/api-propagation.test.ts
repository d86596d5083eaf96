import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AckState } from "../../src/contract/zone-protocol/zone_pb.js";
import { call, service } from "./api-helpers.js";
import { apiToken } from "./api-token.js";
import type { ZoneSocket } from "./zone-socket.js";
import { connectedBridge } from "./connected-bridge.js";

const TYPES = ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"].map((t) => `type.googleapis.com/envoy.x.${t}`);
const MESH = "pg";

interface Item {
  revision: number;
  kind: string;
  name: string;
  op: string;
  writtenAt: string;
  by: string;
  proxies: number;
  writeToLastAckMs?: number;
}

const zoneWithBridge = (zone: string) => connectedBridge(zone);

/** Every type of `proxyId` at `revision`, ACKed at `atMs` (or one NACKed), as a bridge reports them. */
function report(sock: ZoneSocket, proxyId: string, revision: number, atMs: number, opts: { joinedRevision?: number; nack?: boolean } = {}) {
  sock.send({
    case: "status",
    value: {
      proxies: TYPES.map((typeUrl, i) => ({
        proxyId,
        mesh: MESH,
        typeUrl,
        state: opts.nack && i === 2 ? AckState.NACK : AckState.ACK,
        revision: BigInt(revision),
        errorDetail: opts.nack && i === 2 ? "refused" : "",
        atMs: BigInt(atMs),
        joinedRevision: BigInt(opts.joinedRevision ?? 0),
      })),
    },
  });
}

async function propagationUntil(pred: (items: Item[]) => boolean): Promise<Item[]> {
  for (let i = 0; i < 100; i++) {
    const res = await call("GET", `/v1/meshes/${MESH}/propagation`);
    expect(res.status).toBe(200);
    const items = res.body.items as Item[];
    if (pred(items)) return items;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`propagation never matched: ${JSON.stringify((await call("GET", `/v1/meshes/${MESH}/propagation`)).body).slice(0, 1500)}`);
}

const revisionOf = (res: { body: Record<string, unknown> }) => (res.body.metadata as { revision: number }).revision;

describe("GET /v1/meshes/{mesh}/propagation", () => {
  it("gives every recent revision of the mesh its write-to-last-ACK time, also revisions a proxy jumped over, not counting late joiners or refusals", async () => {
    const sock = await zoneWithBridge("pg-a");
    await call("PUT", `/v1/meshes/${MESH}`, { kind: "Mesh", metadata: { name: MESH }, spec: {} });
    const a = await call("PUT", `/v1/meshes/${MESH}/services/pg-one`, service("pg-one", 50051, MESH));
    const b = await call("PUT", `/v1/meshes/${MESH}/services/pg-two`, service("pg-two", 50051, MESH));
    const c = await call("PUT", `/v1/meshes/${MESH}/services/pg-one`, service("pg-one", 50052, MESH));
    // Another mesh's write falls between them and is not listed.
    await call("PUT", "/v1/meshes/default/services/pg-elsewhere", service("pg-elsewhere"));
    const [ra, rb, rc] = [revisionOf(a), revisionOf(b), revisionOf(c)];

    const first = await propagationUntil((items) => items.length >= 4);
    const written = new Map(first.map((i) => [i.revision, Date.parse(i.writtenAt)]));
    // p1 reaches a, then jumps to c in one report (b on the way); p2 joined at c; p3 refuses c.
    report(sock, "p1", ra, written.get(ra)! + 250);
    report(sock, "p1", rc, written.get(rc)! + 400);
    report(sock, "p2", rc, written.get(rc)! + 9_000, { joinedRevision: rc });
    report(sock, "p3", rc, written.get(rc)! + 9_000, { nack: true });

    const items = await propagationUntil((items) => items.find((i) => i.revision === rc)?.proxies === 1);
    expect(items.map((i) => i.revision)).toEqual([...items.map((i) => i.revision)].sort((x, y) => x - y));
    expect(items.every((i) => i.kind !== "Service" || i.name !== "pg-elsewhere")).toBe(true);
    const at = (r: number) => items.find((i) => i.revision === r)!;
    expect(at(ra)).toMatchObject({ kind: "Service", name: "pg-one", op: "put", proxies: 1, writeToLastAckMs: 250, by: "test-admin" });
    expect(at(rb)).toMatchObject({ name: "pg-two", proxies: 1, writeToLastAckMs: written.get(rc)! + 400 - written.get(rb)! });
    expect(at(rc)).toMatchObject({ name: "pg-one", proxies: 1, writeToLastAckMs: 400 });
    expect(items[0]).toMatchObject({ kind: "Mesh", name: MESH });
    sock.ws.close();
  });

  it("answers with limit the newest revisions only, and only to readers of the mesh", async () => {
    const two = await call("GET", `/v1/meshes/${MESH}/propagation?limit=2`);
    expect((two.body.items as Item[]).length).toBe(2);
    expect((await call("GET", `/v1/meshes/${MESH}/propagation?limit=0`)).status).toBe(422);
    const elsewhere = await apiToken("reader", ["default"]);
    expect((await call("GET", `/v1/meshes/${MESH}/propagation`, undefined, { authorization: `Bearer ${elsewhere}` })).status).toBe(403);
    const reader = await apiToken("reader", [MESH]);
    expect((await call("GET", `/v1/meshes/${MESH}/propagation`, undefined, { authorization: `Bearer ${reader}` })).status).toBe(200);
  });

  it("forgets where a proxy got to once the zone forgets the proxy", async () => {
    const sock = await zoneWithBridge("pg-gone");
    const put = await call("PUT", `/v1/meshes/${MESH}/services/pg-gone`, service("pg-gone", 50051, MESH));
    report(sock, "p-gone", revisionOf(put), Date.now());
    const stub = env.ZONES.get(env.ZONES.idFromName("pg-gone"));
    const heads = () => runInDurableObject(stub, (_obj, state) => state.storage.sql.exec("SELECT proxy_id FROM proxy_reach_head").toArray().map((r) => r.proxy_id));
    for (let i = 0; i < 100 && !(await heads()).includes("p-gone"); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await heads()).toContain("p-gone");
    // Sent only once the report is recorded (two frames sent back to back raced under load), and
    // waited for, or the row aged below is still "connected".
    sock.send({ case: "status", value: { proxies: [], disconnected: ["p-gone"] } });
    const connected = () => runInDurableObject(stub, (_obj, state) => state.storage.sql.exec("SELECT connected FROM proxy_status WHERE proxy_id = 'p-gone'").toArray().some((r) => r.connected === 1));
    for (let i = 0; i < 100 && (await connected()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await connected()).toBe(false);
    await runInDurableObject(stub, (_obj, state) => {
      state.storage.sql.exec("UPDATE proxy_status SET disconnected_at_ms = ? WHERE proxy_id = 'p-gone'", Date.now() - 2 * 3_600_000);
    });
    // Reading the zone's status tidies it: the proxy is past retention, and its head goes with it.
    await call("GET", `/v1/meshes/${MESH}/proxies?all=true`);
    expect(await heads()).not.toContain("p-gone");
    sock.ws.close();
  });
});
