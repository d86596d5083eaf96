import type { ProxyStatusRecord, TrackerChanges } from "./xds/proxy-tracker.js";
import { journalRevisionOf as parseRevision } from "./xds/version-info.js";

/** One CurrentAt (zone.proto) to send, with the records it stands for (sent in full should it not go out). */
export interface CurrentAtPlan {
  revision: number;
  mesh: string;
  atMs: number;
  proxyIds: string[];
  allExcept: boolean;
  records: ProxyStatusRecord[];
}

/** The zone connection, as far as status goes (ZoneClient). */
export interface StatusSink {
  readonly connected: boolean;
  report(changes: TrackerChanges): void;
  /** False when it was not sent (no socket): the records go in full instead. */
  reportCurrent(current: Omit<CurrentAtPlan, "records">): boolean;
}

/** What the zone holds of one (proxy, type) from this socket, as this bridge reported it. */
interface KnownRow {
  mesh: string;
  /** ACK at this journal revision with nothing held; -1 otherwise (NACK or held). */
  currentAt: number;
}

interface KnownProxy {
  mesh: string;
  joinedRevision: number;
  workload: string;
  service: string;
  rows: Map<string, KnownRow>;
}

/**
 * Decides, per report, which proxy answers can travel as CurrentAt instead of
 * one ProxyStatus per proxy and type: those after which a proxy the zone
 * already knows from this socket, with the same workload, service and join
 * revision, runs every type it has a row of ACKed at one revision with
 * nothing held. A proxy's answers that leave it short of that (one type
 * ACKed, the others still pushed or not yet ACKed) are held back up to
 * `maxHoldMs`: rollout counts a proxy only once every type is at the
 * revision, so holding them costs it nothing, and usually the rest follows
 * within a report or two. Everything else (a proxy's first report on a
 * socket, NACKs, holds, changed details, disconnections) goes in full.
 *
 * The rows the zone holds from this socket are mirrored here; `reset()`
 * forgets them (a new socket: the zone applies CurrentAt only to rows of
 * the socket it came on).
 *
 * @example
 * const planner = new CurrentPlanner(500);
 * new StatusReporter(tracker, (changes, final) => planner.report(changes, zone, final), 50);
 */
export class CurrentPlanner {
  private known = new Map<string, KnownProxy>();
  private enabled = true;
  /** proxyId -> answers held back (type -> latest record) and since when. */
  private held = new Map<string, { records: Map<string, ProxyStatusRecord>; sinceMs: number }>();

  constructor(
    private readonly maxHoldMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Answers are held back: the reporter must call again even when nothing new came. */
  get holding(): boolean {
    return this.held.size > 0;
  }

  /**
   * The zone socket changed: it holds no rows of the new one yet.
   * `zoneTakesCurrent` false (a zone whose Welcome does not list
   * "current-at") has everything sent in full until the next reset.
   */
  reset(zoneTakesCurrent = this.enabled): void {
    this.known = new Map();
    this.enabled = zoneTakesCurrent;
  }

  /**
   * Sends `changes` to `zone`, compacted where it can; `final` sends what
   * is held back too (the bridge stops).
   */
  report(changes: TrackerChanges, zone: StatusSink, final = false): void {
    const { detailed, current } = this.plan(changes, zone.connected, final);
    if (detailed.statuses.length > 0 || detailed.disconnected.length > 0) zone.report(detailed);
    for (const { records, ...c } of current) {
      if (zone.reportCurrent(c)) continue;
      // The socket went: its rows are of no use, the zone gets these in full on the next one.
      this.reset();
      zone.report({ statuses: records, disconnected: [] });
    }
  }

  /** The split `report` sends; exposed for tests and the benchmark. */
  plan(changes: TrackerChanges, connected: boolean, final = false): { detailed: TrackerChanges; current: CurrentAtPlan[] } {
    if (!connected) this.reset();
    const nowMs = this.now();
    for (const id of changes.disconnected) {
      this.known.delete(id);
      this.held.delete(id);
    }
    const byProxy = new Map<string, Map<string, ProxyStatusRecord>>();
    for (const [id, h] of this.held) byProxy.set(id, new Map(h.records));
    for (const r of changes.statuses) {
      let m = byProxy.get(r.proxyId);
      if (!m) byProxy.set(r.proxyId, (m = new Map()));
      m.set(r.typeUrl, r);
    }
    const detailed: ProxyStatusRecord[] = [];
    const groups = new Map<string, CurrentAtPlan>();
    for (const [id, m] of byProxy) {
      const records = [...m.values()];
      const verdict = this.verdict(id, records);
      if (verdict === "wait" && !final && connected && nowMs - (this.held.get(id)?.sinceMs ?? nowMs) < this.maxHoldMs) {
        this.held.set(id, { records: m, sinceMs: this.held.get(id)?.sinceMs ?? nowMs });
        continue;
      }
      this.held.delete(id);
      if (typeof verdict === "number") {
        const mesh = records[0]!.mesh;
        const key = `${mesh}\n${verdict}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { revision: verdict, mesh, atMs: 0, proxyIds: [], allExcept: false, records: [] }));
        g.proxyIds.push(id);
        g.atMs = Math.max(g.atMs, ...records.map((r) => r.atMs));
        g.records.push(...records);
      } else {
        detailed.push(...records);
      }
      if (connected) this.remember(records);
    }
    return { detailed: { statuses: detailed, disconnected: changes.disconnected }, current: [...groups.values()].map((g) => this.shortest(g)) };
  }

  /**
   * A journal revision when `records` leave the proxy current at it with
   * nothing else to say; "wait" when they could, once its other types
   * follow; "full" when they must go as ProxyStatus.
   */
  private verdict(id: string, records: ProxyStatusRecord[]): number | "wait" | "full" {
    const k = this.known.get(id);
    if (!k || !this.enabled) return "full";
    for (const r of records) {
      const plain = r.state === "ACK" && !r.held && r.errorDetail === "";
      const same = r.mesh === k.mesh && (r.joinedRevision ?? 0) === k.joinedRevision && (r.workload ?? "") === k.workload && (r.service ?? "") === k.service;
      if (!plain || !same || k.rows.get(r.typeUrl)?.mesh !== r.mesh) return "full";
    }
    const revision = journalRevisionOf(records[0]!.version);
    if (records.some((r) => journalRevisionOf(r.version) !== revision)) return "wait";
    const given = new Set(records.map((r) => r.typeUrl));
    for (const [type, row] of k.rows) {
      if (row.mesh !== k.mesh) return "full";
      if (!given.has(type) && row.currentAt !== revision) return "wait";
    }
    return revision;
  }

  /** Notes what the zone will hold once `records` reached it. */
  private remember(records: ProxyStatusRecord[]): void {
    for (const r of records) {
      let k = this.known.get(r.proxyId);
      const details = { mesh: r.mesh, joinedRevision: r.joinedRevision ?? 0, workload: r.workload ?? "", service: r.service ?? "" };
      if (!k) this.known.set(r.proxyId, (k = { ...details, rows: new Map() }));
      else Object.assign(k, details);
      k.rows.set(r.typeUrl, { mesh: r.mesh, currentAt: r.state === "ACK" && !r.held && r.errorDetail === "" ? journalRevisionOf(r.version) : -1 });
    }
  }

  /** Names the proxies concerned, or the others of the mesh when they are fewer. */
  private shortest(g: CurrentAtPlan): CurrentAtPlan {
    const members = new Set(g.proxyIds);
    const others: string[] = [];
    // Runs over every proxy the zone knows, once per group: no copies on the way.
    for (const [id, k] of this.known) {
      if (members.has(id)) continue;
      for (const r of k.rows.values()) {
        if (r.mesh !== g.mesh) continue;
        others.push(id);
        break;
      }
    }
    return others.length < g.proxyIds.length ? { ...g, proxyIds: others.sort(), allExcept: true } : { ...g, proxyIds: g.proxyIds.sort() };
  }
}

/** Versions parsed lately: a report carries one or two versions over thousands of records. */
const revisions = new Map<string, number>();

/** journalRevisionOf, remembered for the last few versions seen. */
function journalRevisionOf(version: string): number {
  let revision = revisions.get(version);
  if (revision === undefined) {
    if (revisions.size >= 64) revisions.clear();
    revision = parseRevision(version);
    revisions.set(version, revision);
  }
  return revision;
}
