import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ProxyRow } from "../../src/contract/zone-status.js";
import { ProxyStatusTable } from "../../src/zone-do/proxy-status-table.js";

interface Row {
  proxy_id: string; type_url: string; mesh: string; bridge_id: string; state: "ACK" | "NACK"; revision: number; error_detail: string;
  at_ms: number; connected: number; held_revision: number; held_error: string; connected_at_ms: number; disconnected_at_ms: number;
  joined_revision: number; workload: string; service: string;
}

/** The reading row by row in JS that proxies() replaced: the oracle its SQL must agree with. */
function rowByRow(rows: Row[]): ProxyRow[] {
  const sorted = [...rows].sort((a, b) => (a.proxy_id === b.proxy_id ? (a.type_url < b.type_url ? -1 : 1) : a.proxy_id < b.proxy_id ? -1 : 1));
  const byId = new Map<string, ProxyRow>();
  for (const r of sorted) {
    let p = byId.get(r.proxy_id);
    if (!p) {
      p = {
        proxyId: r.proxy_id, mesh: r.mesh, bridgeId: r.bridge_id, connected: r.connected === 1, connectedAtMs: r.connected_at_ms,
        disconnectedAtMs: r.connected === 1 ? 0 : r.disconnected_at_ms || r.at_ms, joinedRevision: r.joined_revision,
        workload: r.workload, service: r.service, types: [],
      };
      byId.set(r.proxy_id, p);
    }
    if (r.connected_at_ms > 0 && (p.connectedAtMs === 0 || r.connected_at_ms < p.connectedAtMs)) p.connectedAtMs = r.connected_at_ms;
    p.types.push({ typeUrl: r.type_url, state: r.state, revision: r.revision, errorDetail: r.error_detail, atMs: r.at_ms, heldRevision: r.held_revision, heldError: r.held_error });
  }
  return [...byId.values()];
}

const base: Row = {
  proxy_id: "", type_url: "", mesh: "default", bridge_id: "b1", state: "ACK", revision: 7, error_detail: "", at_ms: 1000, connected: 1,
  held_revision: 0, held_error: "", connected_at_ms: 500, disconnected_at_ms: 0, joined_revision: 3, workload: "", service: "web",
};

const ROWS: Row[] = [
  // Types given out of order; the oldest positive connection time wins, a 0 does not.
  { ...base, proxy_id: "p2", type_url: "t.Listener", connected_at_ms: 0 },
  { ...base, proxy_id: "p2", type_url: "t.Cluster", connected_at_ms: 700, mesh: "other-first" },
  { ...base, proxy_id: "p2", type_url: "t.Route", connected_at_ms: 600 },
  // A NACK with its error, a held revision, quotes and unicode that JSON must carry through.
  { ...base, proxy_id: "p1", type_url: "t.Cluster", state: "NACK", error_detail: 'bad "regex" \\d+ – é', held_revision: 9, held_error: "held: \"x\"", workload: "web-1" },
  { ...base, proxy_id: "p1", type_url: "t.Listener", workload: "web-1" },
  // Gone: its disconnection time, or its last answer's when none was noted.
  { ...base, proxy_id: "p3", type_url: "t.Listener", connected: 0, disconnected_at_ms: 4000 },
  { ...base, proxy_id: "p4", type_url: "t.Listener", connected: 0, disconnected_at_ms: 0, at_ms: 3500, connected_at_ms: 0 },
];

describe("ProxyStatusTable.proxies", () => {
  it("answers what the row-by-row reading answered, for every proxy and for some", async () => {
    const stub = env.ZONES.get(env.ZONES.idFromName("proxy-status-rows"));
    const [all, some, none] = await runInDurableObject(stub, (_obj, state) => {
      const table = new ProxyStatusTable(state.storage.sql);
      state.storage.sql.exec("DELETE FROM proxy_status");
      for (const r of ROWS) {
        const cols = Object.keys(r);
        state.storage.sql.exec(`INSERT INTO proxy_status (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`, ...Object.values(r));
      }
      return [table.proxies(), table.proxies(["p3", "p1", "nobody"]), table.proxies([])];
    });
    expect(all).toEqual(rowByRow(ROWS));
    expect(all.map((p) => p.proxyId)).toEqual(["p1", "p2", "p3", "p4"]);
    expect(all[1]).toMatchObject({ mesh: "other-first", connectedAtMs: 600 });
    expect(all[0]!.types[0]!.errorDetail).toBe('bad "regex" \\d+ – é');
    expect(some).toEqual(rowByRow(ROWS.filter((r) => r.proxy_id === "p1" || r.proxy_id === "p3")));
    expect(none).toEqual([]);
  });

  it("answers a zone of thousands of proxies, however long their rows are together (no one text for all of them)", async () => {
    // 5,000 proxies x 4 types: as one JSON text this is over SQLite's string limit (SQLITE_TOOBIG, seen at 10,000 proxies in the bench).
    const stub = env.ZONES.get(env.ZONES.idFromName("proxy-status-many"));
    const { count, sample, bytes } = await runInDurableObject(stub, (_obj, state) => {
      const table = new ProxyStatusTable(state.storage.sql);
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
         INSERT INTO proxy_status (proxy_id, type_url, mesh, bridge_id, state, revision, error_detail, at_ms, connected, held_revision, held_error,
           connected_at_ms, disconnected_at_ms, joined_revision, workload, service, socket_epoch)
         SELECT printf('proxy-%05d', i / 4), 'type.googleapis.com/envoy.config.t' || (i % 4), 'default', 'bridge-1', 'ACK', 42,
           '', 1000 + i, 1, 0, '', 500, 0, 3, '', printf('service-with-a-long-name-%05d', i / 4), 0 FROM n`,
      );
      const all = table.proxies();
      return { count: all.length, sample: all[4321]!, bytes: JSON.stringify(all).length };
    });
    expect(bytes).toBeGreaterThan(2_000_000);
    expect(count).toBe(5000);
    expect(sample).toMatchObject({ proxyId: "proxy-04321", service: "service-with-a-long-name-04321", connectedAtMs: 500 });
    expect(sample.types.map((t) => t.typeUrl)).toEqual([0, 1, 2, 3].map((i) => `type.googleapis.com/envoy.config.t${i}`));
  });
});

