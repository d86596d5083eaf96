import type { RolloutEvent } from "../contract/rollout-events.js";
import type { CurrentAt, StatusReport } from "../contract/zone-protocol/zone_pb.js";
import { currentRows, namedProxies, type ProxyStatusTable } from "./proxy-status-table.js";
import type { RevisionReachTable } from "./revision-reach.js";
import { currentEvents, proxyEvents } from "./zone-events.js";

/**
 * What a zone does with a bridge's report of its proxies' answers (a
 * StatusReport, or a CurrentAt standing for many of them): record the rows,
 * tell the event stream, and note how far each proxy got (revision reach).
 * Its own part so the zone object and bench/zone-report-cost.ts run the same
 * code; a report names up to thousands of proxies, so its cost matters.
 *
 * @example intake.current("west", "bridge-1", att.acceptedAtMs, msg.msg.value, Date.now())
 */
export class ReportIntake {
  constructor(
    private readonly table: ProxyStatusTable,
    private readonly reach: RevisionReachTable,
    /** Hands events to the stream without waiting (the zone object's waitUntil(publishEvents(...))). */
    private readonly publish: (events: RolloutEvent[]) => void,
  ) {}

  status(zone: string, bridgeId: string, socketEpoch: number, report: StatusReport, nowMs: number): void {
    this.table.recordReport(bridgeId, report, nowMs, socketEpoch);
    this.publish(proxyEvents(zone, report));
    this.reach.record(namedProxies([...new Set(report.proxies.map((p) => p.proxyId))]));
  }

  current(zone: string, bridgeId: string, socketEpoch: number, current: CurrentAt, nowMs: number): void {
    const rows = this.table.recordCurrent(bridgeId, socketEpoch, current, nowMs);
    this.publish(currentEvents(zone, current, rows));
    // The rows it set are still the ones its condition names (it changed no column the condition reads).
    if (rows.length > 0) this.reach.record(currentRows(bridgeId, socketEpoch, current));
  }
}
