import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { NodeSchema } from "../../../gen/envoy/config/core/v3/base_pb.js";
import { CurrentPlanner, type CurrentAtPlan, type StatusSink } from "../../../src/xds-bridge/current-planner.js";
import type { ProxyInfo } from "../../../src/xds-bridge/xds/proxy-callbacks.js";
import { ProxyTracker, type TrackerChanges } from "../../../src/xds-bridge/xds/proxy-tracker.js";

const [L, R, C, E] = ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"].map((t) => `type.googleapis.com/envoy.${t}`) as [string, string, string, string];
const TYPES = [L, R, C, E];

class Sink implements StatusSink {
  connected = true;
  accepts = true;
  readonly reports: TrackerChanges[] = [];
  readonly currents: Omit<CurrentAtPlan, "records">[] = [];
  report(changes: TrackerChanges): void {
    this.reports.push(changes);
  }
  reportCurrent(c: Omit<CurrentAtPlan, "records">): boolean {
    if (this.accepts) this.currents.push(c);
    return this.accepts;
  }
  rows(): string[] {
    return this.reports.flatMap((r) => r.statuses.map((s) => `${s.proxyId} ${s.typeUrl.split(".").pop()} ${s.state} ${s.version}`)).sort();
  }
}

/** A bridge's tracker with `ids` connected and every type ACKed at "1.0.0", and a planner that already sent that in full. */
function setup(ids: string[]) {
  let now = 1_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const tracker = new ProxyTracker(() => now, () => 1);
  const planner = new CurrentPlanner(500, () => now);
  const sink = new Sink();
  const proxies = new Map<string, ProxyInfo>();
  ids.forEach((id, i) => {
    const p: ProxyInfo = { id, mesh: "default", streamId: i + 1, node: create(NodeSchema, { id }) };
    proxies.set(id, p);
    tracker.onStreamOpen(p);
    for (const t of TYPES) {
      tracker.onResponse(p, t, "1.0.0");
      tracker.onAck(p, t, "1.0.0");
    }
  });
  const beat = () => planner.report(tracker.drainChanges(), sink);
  beat();
  expect(sink.rows()).toHaveLength(ids.length * TYPES.length);
  expect(sink.currents).toEqual([]);
  sink.reports.length = 0;
  /** A change of the routes only: RDS pushed and ACKed, the other types current without a push. */
  const routeChange = (id: string, version: string, ack = true) => {
    const p = proxies.get(id)!;
    for (const t of [L, C, E]) tracker.onCurrent(p, t, version);
    tracker.onResponse(p, R, version);
    if (ack) tracker.onAck(p, R, version);
  };
  return { tracker, planner, sink, proxies, beat, routeChange, clock };
}

describe("CurrentPlanner (CurrentAt instead of one ProxyStatus per proxy and type)", () => {
  it("sends one CurrentAt naming no proxy when a change left every proxy of the bridge current", () => {
    const { sink, beat, routeChange } = setup(["a", "b", "c"]);
    for (const id of ["a", "b", "c"]) routeChange(id, "2.0.0");
    beat();
    expect(sink.reports).toEqual([]);
    expect(sink.currents).toEqual([{ revision: 2, mesh: "default", atMs: 1_000, proxyIds: [], allExcept: true }]);
  });

  it("names the proxies that moved when they are fewer than those that did not, and the others when not", () => {
    const { sink, beat, routeChange } = setup(["a", "b", "c"]);
    routeChange("a", "2.0.0");
    beat();
    routeChange("b", "3.0.0");
    routeChange("c", "3.0.0");
    beat();
    expect(sink.reports).toEqual([]);
    expect(sink.currents).toEqual([
      { revision: 2, mesh: "default", atMs: 1_000, proxyIds: ["a"], allExcept: false },
      { revision: 3, mesh: "default", atMs: 1_000, proxyIds: ["a"], allExcept: true },
    ]);
  });

  it("holds back the types a change left alone until the pushed one is ACKed, then sends them as CurrentAt", () => {
    const { tracker, sink, beat, routeChange, proxies, planner, clock } = setup(["a"]);
    routeChange("a", "2.0.0", false);
    beat();
    expect(planner.holding).toBe(true);
    expect(sink.reports).toEqual([]);
    clock.advance(100);
    tracker.onAck(proxies.get("a")!, R, "2.0.0");
    beat();
    expect(planner.holding).toBe(false);
    expect(sink.reports).toEqual([]);
    expect(sink.currents).toEqual([{ revision: 2, mesh: "default", atMs: 1_100, proxyIds: [], allExcept: true }]);
  });

  it("sends held answers in full once they waited too long, or with a NACK of the same proxy", () => {
    const { tracker, sink, beat, routeChange, proxies, clock } = setup(["a", "b"]);
    routeChange("a", "2.0.0", false);
    routeChange("b", "2.0.0", false);
    beat();
    tracker.onNack(proxies.get("b")!, R, "1.0.0", "2.0.0", "bad regex");
    clock.advance(100);
    beat();
    expect(sink.rows()).toEqual(["b Cluster ACK 2.0.0", "b ClusterLoadAssignment ACK 2.0.0", "b Listener ACK 2.0.0", "b RouteConfiguration NACK 2.0.0"]);
    clock.advance(500);
    beat();
    expect(sink.rows()).toContain("a Listener ACK 2.0.0");
    expect(sink.rows()).toHaveLength(7);
    expect(sink.currents).toEqual([]);
  });

  it("reports in full what the zone does not know from this socket: a new proxy, changed details, everything after a reset", () => {
    const { tracker, sink, beat, routeChange, planner } = setup(["a"]);
    const b: ProxyInfo = { id: "b", mesh: "default", streamId: 9, node: create(NodeSchema, { id: "b" }) };
    const ackAll = (p: ProxyInfo, version: string) => {
      for (const t of TYPES) {
        tracker.onResponse(p, t, version);
        tracker.onAck(p, t, version);
      }
    };
    tracker.onStreamOpen(b);
    ackAll(b, "1.0.0");
    beat();
    expect(sink.rows()).toHaveLength(4);
    sink.reports.length = 0;
    // b comes back on a new stream naming a service: the zone must hear the service.
    const named: ProxyInfo = { ...b, streamId: 10, node: create(NodeSchema, { id: "b", metadata: { service: "web" } }) };
    tracker.onStreamOpen(named);
    tracker.onStreamClosed(b);
    ackAll(named, "2.0.0");
    routeChange("a", "2.0.0");
    beat();
    expect(sink.rows()).toEqual(["b Cluster ACK 2.0.0", "b ClusterLoadAssignment ACK 2.0.0", "b Listener ACK 2.0.0", "b RouteConfiguration ACK 2.0.0"]);
    expect(sink.reports[0]?.statuses[0]?.service).toBe("web");
    expect(sink.currents).toEqual([{ revision: 2, mesh: "default", atMs: 1_000, proxyIds: ["a"], allExcept: false }]);
    sink.reports.length = 0;
    planner.reset();
    routeChange("a", "3.0.0");
    beat();
    expect(sink.rows()).toHaveLength(4);
    expect(sink.currents).toHaveLength(1);
  });

  it("sends everything in full while disconnected, and when the CurrentAt could not be sent", () => {
    const { sink, beat, routeChange } = setup(["a", "b"]);
    sink.connected = false;
    routeChange("a", "2.0.0");
    beat();
    expect(sink.rows()).toHaveLength(4);
    sink.connected = true;
    sink.reports.length = 0;
    routeChange("b", "3.0.0");
    beat();
    // What the zone knew was forgotten with the socket: b goes in full again.
    expect(sink.rows()).toHaveLength(4);
    sink.reports.length = 0;
    sink.accepts = false;
    routeChange("b", "4.0.0");
    beat();
    expect(sink.currents).toEqual([]);
    expect(sink.rows()).toEqual(["b Cluster ACK 4.0.0", "b ClusterLoadAssignment ACK 4.0.0", "b Listener ACK 4.0.0", "b RouteConfiguration ACK 4.0.0"]);
  });

  it("sends everything in full to a zone whose Welcome does not list current-at, until one that does", () => {
    const { sink, beat, routeChange, planner } = setup(["a"]);
    planner.reset(false);
    routeChange("a", "2.0.0");
    beat();
    routeChange("a", "3.0.0");
    beat();
    expect(sink.rows()).toHaveLength(8);
    expect(sink.currents).toEqual([]);
    planner.reset(true);
    sink.reports.length = 0;
    routeChange("a", "4.0.0");
    beat();
    routeChange("a", "5.0.0");
    beat();
    expect(sink.rows()).toHaveLength(4);
    expect(sink.currents).toEqual([{ revision: 5, mesh: "default", atMs: 1_000, proxyIds: [], allExcept: true }]);
  });
});
