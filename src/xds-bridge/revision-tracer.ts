import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ClockSample } from "../contract/clock-offset.js";
import type { TraceReportSchema } from "../contract/zone-protocol/zone_pb.js";
import type { ProxyCallbacks } from "./xds/proxy-callbacks.js";
import { journalRevisionOf } from "./xds/version-info.js";

interface ProxyHops {
  proxyId: string;
  pushedMs: number;
  /** 0 while some type pushed at the revision waits for its ACK. */
  ackedMs: number;
  /** Types pushed at the revision and not ACKed yet. */
  pending: Set<string>;
}

interface UpdateHops {
  revision: number;
  receivedMs: number;
  translatedMs: number;
  publishedMs: number;
  /** By stream: a reconnecting proxy's new stream is another entry. */
  proxies: Map<number, ProxyHops>;
  /** Something changed since the last report. */
  dirty: boolean;
}

export type TraceReportInit = MessageInitShape<typeof TraceReportSchema>;

/**
 * The bridge's hops of the latest zone update, for the revision's trace:
 * when its first frame arrived, when translation ended, when the first
 * snapshot was handed to the cache (streams push from there), and per proxy when it was first sent a response at that
 * revision and when it had ACKed every type it was sent at it (responses
 * and ACKs are matched by the journal revision in version_info). Proxies
 * whose content did not change are sent nothing and are not counted.
 * Only the latest update is kept: a new one starts a new record.
 *
 * @example
 * const tracer = new RevisionTracer(wallMs);
 * tracer.received(42); ... tracer.translated(42); tracer.published(42);
 * zone.reportTrace(tracer.drain(clock.best));
 */
export class RevisionTracer {
  private current: UpdateHops | undefined;

  constructor(private readonly now: () => number) {}

  /** The first frame of the update ending at `revision` arrived. */
  received(revision: number): void {
    if (this.current?.revision === revision) return;
    this.current = { revision, receivedMs: this.now(), translatedMs: 0, publishedMs: 0, proxies: new Map(), dirty: true };
  }

  translated(revision: number): void {
    if (this.current?.revision !== revision) return;
    this.current.translatedMs = this.now();
    this.current.dirty = true;
  }

  /** The first snapshot of the update was handed to the cache: pushes start from here. */
  published(revision: number): void {
    if (this.current?.revision !== revision || this.current.publishedMs > 0) return;
    this.current.publishedMs = this.now();
    this.current.dirty = true;
  }

  /** The ADS hooks that see pushes and ACKs. */
  callbacks(): ProxyCallbacks {
    return {
      onResponse: (proxy, typeUrl, version) => {
        const u = this.current;
        if (!u || journalRevisionOf(version) !== u.revision) return;
        let p = u.proxies.get(proxy.streamId);
        if (!p) {
          p = { proxyId: proxy.id, pushedMs: this.now(), ackedMs: 0, pending: new Set() };
          u.proxies.set(proxy.streamId, p);
        }
        p.pending.add(typeUrl);
        p.ackedMs = 0;
        u.dirty = true;
      },
      onAck: (proxy, typeUrl, version) => {
        const u = this.current;
        if (!u || journalRevisionOf(version) !== u.revision) return;
        const p = u.proxies.get(proxy.streamId);
        if (!p || !p.pending.delete(typeUrl)) return;
        if (p.pending.size === 0) p.ackedMs = this.now();
        u.dirty = true;
      },
    };
  }

  /**
   * The whole record so far when something changed since the last call,
   * with the clock sample it is to be read with; undefined otherwise (or
   * before the zone answered a clock probe: times without an offset could
   * not be placed).
   */
  drain(clock: ClockSample | undefined): TraceReportInit | undefined {
    const u = this.current;
    if (!u || !u.dirty || !clock) return undefined;
    u.dirty = false;
    let firstPushMs = 0;
    let lastPushMs = 0;
    let lastAckMs = 0;
    let acked = 0;
    let slowest: ProxyHops | undefined;
    for (const p of u.proxies.values()) {
      firstPushMs = firstPushMs === 0 ? p.pushedMs : Math.min(firstPushMs, p.pushedMs);
      lastPushMs = Math.max(lastPushMs, p.pushedMs);
      if (p.ackedMs > 0) {
        acked++;
        lastAckMs = Math.max(lastAckMs, p.ackedMs);
      }
      // Still waiting beats any ACK; among the waiting, the one pushed first has waited longest.
      if (!slowest || slower(p, slowest)) slowest = p;
    }
    return {
      revision: BigInt(u.revision),
      zoneMinusBridgeMs: clock.offsetMs,
      clockRttMs: clock.rttMs,
      receivedMs: u.receivedMs,
      translatedMs: u.translatedMs,
      publishedMs: u.publishedMs,
      proxiesPushed: u.proxies.size,
      proxiesAcked: acked,
      firstPushMs,
      lastPushMs,
      lastAckMs,
      slowestProxy: slowest?.proxyId ?? "",
      slowestPushedMs: slowest?.pushedMs ?? 0,
      slowestAckedMs: slowest?.ackedMs ?? 0,
    };
  }
}

function slower(a: ProxyHops, b: ProxyHops): boolean {
  if ((a.ackedMs === 0) !== (b.ackedMs === 0)) return a.ackedMs === 0;
  return a.ackedMs === 0 ? a.pushedMs < b.pushedMs : a.ackedMs > b.ackedMs;
}
