import type { DiscoveryRequest } from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import type { ProxyCallbacks, ProxyInfo } from "../../../src/xds-bridge/xds/proxy-callbacks.js";

export type RecordedEvent =
  | { kind: "open" | "closed"; proxyId: string; streamId: number; mesh: string }
  | { kind: "request"; proxyId: string; streamId: number; request: DiscoveryRequest }
  | { kind: "response"; proxyId: string; streamId: number; typeUrl: string; version: string; nonce: string; bytes: number }
  | { kind: "ack"; proxyId: string; streamId: number; typeUrl: string; version: string }
  | {
      kind: "nack";
      proxyId: string;
      streamId: number;
      typeUrl: string;
      keptVersion: string;
      rejectedVersion: string;
      errorDetail: string;
    };

type Kind = RecordedEvent["kind"];
type EventOf<K extends Kind> = Extract<RecordedEvent, { kind: K }>;

/**
 * ProxyCallbacks that write down every call, in order, to check what the ADS
 * server did (e.g. exactly which responses a change caused).
 *
 * @example
 *   const rec = new CallbackRecorder();
 *   await startAdsServer({ cache, callbacks: rec });
 *   rec.of("response", "p1").map((e) => e.typeUrl);
 */
export class CallbackRecorder implements ProxyCallbacks {
  readonly events: RecordedEvent[] = [];

  onStreamOpen(p: ProxyInfo): void {
    this.events.push({ kind: "open", proxyId: p.id, streamId: p.streamId, mesh: p.mesh });
  }
  onStreamClosed(p: ProxyInfo): void {
    this.events.push({ kind: "closed", proxyId: p.id, streamId: p.streamId, mesh: p.mesh });
  }
  onRequest(p: ProxyInfo, request: DiscoveryRequest): void {
    this.events.push({ kind: "request", proxyId: p.id, streamId: p.streamId, request });
  }
  onResponse(p: ProxyInfo, typeUrl: string, version: string, nonce: string, bytes: number): void {
    this.events.push({ kind: "response", proxyId: p.id, streamId: p.streamId, typeUrl, version, nonce, bytes });
  }
  onAck(p: ProxyInfo, typeUrl: string, version: string): void {
    this.events.push({ kind: "ack", proxyId: p.id, streamId: p.streamId, typeUrl, version });
  }
  onNack(p: ProxyInfo, typeUrl: string, keptVersion: string, rejectedVersion: string, errorDetail: string): void {
    this.events.push({ kind: "nack", proxyId: p.id, streamId: p.streamId, typeUrl, keptVersion, rejectedVersion, errorDetail });
  }

  /** Events of one kind, optionally of one proxy, in order. */
  of<K extends Kind>(kind: K, proxyId?: string): EventOf<K>[] {
    return this.events.filter(
      (e): e is EventOf<K> => e.kind === kind && (proxyId === undefined || e.proxyId === proxyId),
    );
  }
}
