import { create } from "@bufbuild/protobuf";
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RevisionReach } from "../../src/contract/propagation.js";
import type { ProxyRow } from "../../src/contract/zone-status.js";
import { AckState, CurrentAtSchema, StatusReportSchema } from "../../src/contract/zone-protocol/zone_pb.js";
import { ProxyStatusTable } from "../../src/zone-do/proxy-status-table.js";
import { ReportIntake } from "../../src/zone-do/report-intake.js";
import { RevisionReachTable } from "../../src/zone-do/revision-reach.js";

const TYPES = ["Listener", "RouteConfiguration", "Cluster"].map((t) => `type.googleapis.com/envoy.x.${t}`);
const BRIDGE = "bridge-1";
const EPOCH = 7;

/**
 * Revision reach as it was computed before steps were grouped (one row per
 * proxy's step, from ProxyRow objects): the answers the grouped table must
 * still give.
 */
class PerProxyReach {
  private readonly heads = new Map<string, number>();
  private readonly steps: { mesh: string; from: number; to: number; at: number }[] = [];

  record(rows: ProxyRow[]): void {
    for (const p of rows) {
      const ok = p.types.length > 0 && p.types.every((t) => t.state === "ACK" && t.heldRevision === 0);
      const revision = ok ? Math.min(...p.types.map((t) => t.revision)) : 0;
      const head = this.heads.get(p.proxyId) ?? 0;
      if (revision <= 0 || revision <= head) continue;
      const from = Math.max(head, p.joinedRevision);
      if (revision > from) this.steps.push({ mesh: p.mesh, from, to: revision, at: Math.max(...p.types.map((t) => t.atMs)) });
      this.heads.set(p.proxyId, revision);
    }
  }

  of(mesh: string, revisions: number[]): RevisionReach[] {
    return revisions.flatMap((revision) => {
      const covering = this.steps.filter((s) => s.mesh === mesh && s.from < revision && revision <= s.to);
      return covering.length > 0 ? [{ revision, proxies: covering.length, lastAckMs: Math.max(...covering.map((s) => s.at)) }] : [];
    });
  }
}

interface Answer {
  proxyId: string;
  mesh: string;
  revision: number;
  atMs: number;
  /** The type (index into TYPES) refused, or held back at `revision + 1`. */
  nack?: number;
  held?: number;
  joinedRevision?: number;
}

/** A zone's status table, reach table and intake on one zone object's storage, with the per-proxy reference beside them. */
function harness(state: DurableObjectState, maxGroups?: number) {
  const table = new ProxyStatusTable(state.storage.sql);
  const reach = new RevisionReachTable(state.storage.sql, maxGroups);
  const intake = new ReportIntake(table, reach, () => undefined);
  const reference = new PerProxyReach();
  table.bridgeConnected(BRIDGE, 1);
  return {
    reach,
    reference,
    status(answers: Answer[]) {
      const proxies = answers.flatMap((a) =>
        TYPES.map((typeUrl, i) => ({
          proxyId: a.proxyId, mesh: a.mesh, typeUrl, state: a.nack === i ? AckState.NACK : AckState.ACK,
          revision: BigInt(a.revision), errorDetail: a.nack === i ? "refused" : "", atMs: BigInt(a.atMs + i),
          heldRevision: BigInt(a.held === i ? a.revision + 1 : 0), heldError: a.held === i ? "held" : "", joinedRevision: BigInt(a.joinedRevision ?? 0),
        })),
      );
      intake.status("z", BRIDGE, EPOCH, create(StatusReportSchema, { proxies }), 1);
      reference.record(table.proxies([...new Set(answers.map((a) => a.proxyId))]));
    },
    current(mesh: string, revision: number, atMs: number, proxyIds: string[], allExcept: boolean) {
      const value = create(CurrentAtSchema, { mesh, revision: BigInt(revision), atMs: BigInt(atMs), proxyIds, allExcept });
      const before = new Map(table.proxies().map((p) => [p.proxyId, JSON.stringify(p.types)]));
      intake.current("z", BRIDGE, EPOCH, value, 1);
      reference.record(table.proxies().filter((p) => before.get(p.proxyId) !== JSON.stringify(p.types)));
    },
    /** Both tables' answers for every revision up to `upTo`. */
    both(mesh: string, upTo: number) {
      const revisions = Array.from({ length: upTo + 1 }, (_, i) => i);
      return { grouped: reach.of(mesh, revisions), perProxy: reference.of(mesh, revisions) };
    },
  };
}

let zones = 0;
/** Runs `body` on the storage of a zone object of its own. */
function inZone<T>(body: (state: DurableObjectState) => T): Promise<T> {
  return runInDurableObject(env.ZONES.get(env.ZONES.idFromName(`reach-${++zones}`)), (_obj, state) => body(state));
}

describe("revision reach, stored as groups of steps", () => {
  it("counts proxies that join later from their join revision, holds back a NACKed or held proxy until it runs everything, and spans revisions jumped in one report", async () => {
    const out = await inZone((state) => {
      const h = harness(state);
      h.status(["a", "b", "c", "d"].map((p) => ({ proxyId: p, mesh: "m", revision: 1, atMs: 100 })));
      // b refuses 2, c has a type held back at 2; a and d are "current" at 2 in one CurrentAt.
      h.status([{ proxyId: "b", mesh: "m", revision: 1, atMs: 200, nack: 1 }, { proxyId: "c", mesh: "m", revision: 2, atMs: 210, held: 2 }]);
      h.current("m", 2, 250, ["b", "c"], true);
      // e joins at 3; then every proxy is current at 4 (b and c were brought over 2..4 at once).
      h.status([{ proxyId: "e", mesh: "m", revision: 3, atMs: 300, joinedRevision: 3 }]);
      h.current("m", 4, 400, [], true);
      // a jumps 4 -> 7 in one detailed report.
      h.status([{ proxyId: "a", mesh: "m", revision: 7, atMs: 700 }]);
      return h.both("m", 8);
    });
    expect(out.grouped).toEqual(out.perProxy);
    const at = (r: number) => out.grouped.find((x) => x.revision === r);
    expect(at(1)).toEqual({ revision: 1, proxies: 4, lastAckMs: 102 });
    expect(at(2)).toEqual({ revision: 2, proxies: 4, lastAckMs: 400 });
    // e joined at 3: brought to 4 only.
    expect(at(3)).toEqual({ revision: 3, proxies: 4, lastAckMs: 400 });
    expect(at(4)).toEqual({ revision: 4, proxies: 5, lastAckMs: 400 });
    expect(at(5)).toEqual({ revision: 5, proxies: 1, lastAckMs: 702 });
    expect(at(8)).toBeUndefined();
  });

  it("gives the per-proxy answers for random reports of two meshes", async () => {
    const out = await inZone((state) => {
      const h = harness(state);
      let seed = 42;
      const rand = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % n;
      };
      const ids = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
      const meshOf = (p: string) => (Number(p.slice(1)) % 3 === 0 ? "n" : "m");
      let revision = 1;
      let now = 1_000;
      h.status(ids.map((p) => ({ proxyId: p, mesh: meshOf(p), revision, atMs: now })));
      const mismatches: unknown[] = [];
      for (let step = 0; step < 60; step++) {
        revision += 1 + rand(2);
        now += 100;
        if (rand(2) === 0) {
          const some = ids.filter(() => rand(2) === 0);
          h.status(some.map((p) => ({
            proxyId: p, mesh: meshOf(p), revision: revision - rand(3), atMs: now,
            ...(rand(5) === 0 ? { nack: rand(3) } : {}), ...(rand(6) === 0 ? { held: rand(3) } : {}),
            ...(rand(6) === 0 ? { joinedRevision: revision - rand(2) } : {}),
          })));
        } else {
          const mesh = rand(3) === 0 ? "n" : "m";
          h.current(mesh, revision, now, ids.filter(() => rand(3) === 0), rand(3) !== 0);
        }
        for (const mesh of ["m", "n"]) {
          const both = h.both(mesh, revision + 1);
          if (JSON.stringify(both.grouped) !== JSON.stringify(both.perProxy)) mismatches.push({ step, mesh, ...both });
        }
      }
      return { mismatches, reached: h.both("m", revision + 1).grouped.length };
    });
    expect(out.mismatches).toEqual([]);
    // The walk moved proxies at all (or the comparison proves nothing).
    expect(out.reached).toBeGreaterThan(20);
  });

  it("keeps a bounded number of groups, so proxies moving together keep one row per revision", async () => {
    const out = await inZone((state) => {
      const h = harness(state, 3);
      const many = Array.from({ length: 50 }, (_, i) => ({ proxyId: `q${i}`, mesh: "m", revision: 1, atMs: 100 }));
      h.status(many);
      for (let r = 2; r <= 6; r++) h.current("m", r, r * 100, [], true);
      return { answers: h.reach.of("m", [1, 2, 3, 4, 5, 6]), rows: state.storage.sql.exec("SELECT count(*) AS n FROM proxy_reach_groups").one().n };
    });
    expect(out.rows).toBe(3);
    // 50 proxies x 6 revisions: the last 3 revisions are kept whole, the older ones are gone.
    expect(out.answers).toEqual([4, 5, 6].map((revision) => ({ revision, proxies: 50, lastAckMs: revision * 100 })));
  });

  it("turns a zone's per-proxy steps from before grouping into groups, and drops the old table", async () => {
    const out = await inZone((state) => {
      const sql = state.storage.sql;
      // The zone object built the new table already; make the storage look like a zone from before.
      sql.exec("DROP TABLE proxy_reach_groups");
      sql.exec(`CREATE TABLE proxy_reach (id INTEGER PRIMARY KEY AUTOINCREMENT, mesh TEXT NOT NULL, proxy_id TEXT NOT NULL,
        from_rev INTEGER NOT NULL, to_rev INTEGER NOT NULL, at_ms INTEGER NOT NULL)`);
      for (const [mesh, p, from, to, at] of [["m", "a", 0, 2, 10], ["m", "b", 0, 2, 30], ["m", "c", 1, 3, 20], ["n", "d", 0, 2, 5]] as const) {
        sql.exec("INSERT INTO proxy_reach (mesh, proxy_id, from_rev, to_rev, at_ms) VALUES (?, ?, ?, ?, ?)", mesh, p, from, to, at);
      }
      const reach = new RevisionReachTable(sql);
      return {
        m: reach.of("m", [1, 2, 3]),
        n: reach.of("n", [2]),
        groups: sql.exec("SELECT count(*) AS n FROM proxy_reach_groups").one().n,
        old: sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = 'proxy_reach'").one().n,
      };
    });
    expect(out.m).toEqual([{ revision: 1, proxies: 2, lastAckMs: 30 }, { revision: 2, proxies: 3, lastAckMs: 30 }, { revision: 3, proxies: 1, lastAckMs: 20 }]);
    expect(out.n).toEqual([{ revision: 2, proxies: 1, lastAckMs: 5 }]);
    expect(out).toMatchObject({ groups: 3, old: 0 });
  });
});
