import type { Any } from "@bufbuild/protobuf/wkt";
import type { Node } from "../../../gen/envoy/config/core/v3/base_pb.js";
import type { DiscoveryRequest } from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import type { HeldState } from "./poison-holds.js";

/** Who is on the other end of an ADS stream. */
export interface ProxyInfo {
  /** node.id from the stream's first request. */
  readonly id: string;
  /** node.metadata "mesh" (a string), or "default" (node-hash.ts). */
  readonly mesh: string;
  /** Unique per server; two streams of one proxy (a reconnect) differ here. */
  readonly streamId: number;
  readonly node: Node;
  /**
   * Which snapshot the proxy is served from: its mesh's for proxyless
   * clients, its own for an Envoy sidecar (node-hash.ts makes and reads these
   * keys). Absent: the mesh's.
   */
  readonly snapshotKey?: string;
}

/**
 * Hooks the ADS server calls as streams live; status reporting and metrics
 * plug in here instead of living in the protocol code. All optional. A hook
 * that throws is reported through the server's onError and does not affect
 * the stream.
 */
export interface ProxyCallbacks {
  /** After the first request (the one carrying node) of a stream. */
  onStreamOpen?(proxy: ProxyInfo): void;
  /** Once per opened stream, however it ended. */
  onStreamClosed?(proxy: ProxyInfo): void;
  /** Every request, stale ones included, before it is acted on. */
  onRequest?(proxy: ProxyInfo, request: DiscoveryRequest): void;
  /**
   * After a response is handed to gRPC. `bytes` is the size of the encoded
   * resources it carries (the envelope's few dozen bytes are not counted:
   * measuring them would mean encoding twice).
   */
  onResponse?(proxy: ProxyInfo, typeUrl: string, version: string, nonce: string, bytes: number): void;
  /** The proxy accepted the response whose nonce it echoed; `version` is its version_info. */
  onAck?(proxy: ProxyInfo, typeUrl: string, version: string): void;
  /**
   * The proxy refused `rejectedVersion` and keeps running `keptVersion`
   * (its version_info: "" when it never accepted anything of this type).
   */
  onNack?(proxy: ProxyInfo, typeUrl: string, keptVersion: string, rejectedVersion: string, errorDetail: string): void;
  /**
   * A new snapshot (`version`) changed nothing this proxy has of `typeUrl`,
   * so nothing was pushed: once it ACKed what it was last sent, it is
   * current at `version`. Status needs this: a proxy a change does not touch
   * must not look like it is still waiting for that change.
   */
  onCurrent?(proxy: ProxyInfo, typeUrl: string, version: string): void;
  /**
   * onCurrent for many proxies at once: the streams a snapshot's changed
   * names do not concern (subscription-index.ts) are reported in one call,
   * without recomputing them. Left out, each gets onCurrent.
   */
  onCurrentMany?(proxies: readonly ProxyInfo[], typeUrl: string, version: string): void;
  /**
   * Poison isolation changed for this proxy and type: `held.names` are kept
   * on their last accepted version after it refused `held.rejectedVersion`
   * (poison-holds.ts); empty names mean nothing is held any more.
   */
  onHeld?(proxy: ProxyInfo, typeUrl: string, held: HeldState): void;
}

/** What one stream's proxy has accepted, per type: for config dumps. */
export interface StreamDump {
  proxy: ProxyInfo;
  types: { typeUrl: string; version: string; resources: { name: string; any: Any }[] }[];
}

/**
 * Combines several callback sets into one, called in order (e.g. the status
 * tracker and a metrics recorder).
 *
 * @example startAdsServer({ cache, callbacks: combineCallbacks(tracker, metrics) })
 */
export function combineCallbacks(...sets: ProxyCallbacks[]): ProxyCallbacks {
  return {
    onStreamOpen: (p) => sets.forEach((s) => s.onStreamOpen?.(p)),
    onStreamClosed: (p) => sets.forEach((s) => s.onStreamClosed?.(p)),
    onRequest: (p, r) => sets.forEach((s) => s.onRequest?.(p, r)),
    onResponse: (p, t, v, n, b) => sets.forEach((s) => s.onResponse?.(p, t, v, n, b)),
    onAck: (p, t, v) => sets.forEach((s) => s.onAck?.(p, t, v)),
    onNack: (p, t, k, r, e) => sets.forEach((s) => s.onNack?.(p, t, k, r, e)),
    onCurrent: (p, t, v) => sets.forEach((s) => s.onCurrent?.(p, t, v)),
    onCurrentMany: (ps, t, v) => sets.forEach((s) => currentMany(s)(ps, t, v)),
    onHeld: (p, t, h) => sets.forEach((s) => s.onHeld?.(p, t, h)),
  };
}

/**
 * Wraps callbacks so a throwing hook is reported instead of breaking the
 * protocol code that called it. Every hook of the result is defined.
 */
export function guardCallbacks(
  callbacks: ProxyCallbacks,
  onError: (err: unknown, hook: string) => void,
): Required<ProxyCallbacks> {
  const guard =
    <A extends unknown[]>(hook: keyof ProxyCallbacks, fn: ((...args: A) => void) | undefined) =>
    (...args: A): void => {
      if (!fn) return;
      try {
        fn.apply(callbacks, args);
      } catch (err) {
        onError(err, hook);
      }
    };
  return {
    onStreamOpen: guard("onStreamOpen", callbacks.onStreamOpen),
    onStreamClosed: guard("onStreamClosed", callbacks.onStreamClosed),
    onRequest: guard("onRequest", callbacks.onRequest),
    onResponse: guard("onResponse", callbacks.onResponse),
    onAck: guard("onAck", callbacks.onAck),
    onNack: guard("onNack", callbacks.onNack),
    onCurrent: guard("onCurrent", callbacks.onCurrent),
    onCurrentMany: guard("onCurrentMany", callbacks.onCurrentMany ?? (callbacks.onCurrent ? currentMany(callbacks) : undefined)),
    onHeld: guard("onHeld", callbacks.onHeld),
  };
}

/** A set's onCurrentMany, or its onCurrent once per proxy when it has only that. */
function currentMany(set: ProxyCallbacks): (proxies: readonly ProxyInfo[], typeUrl: string, version: string) => void {
  if (set.onCurrentMany) return (ps, t, v) => set.onCurrentMany?.(ps, t, v);
  return (ps, t, v) => {
    for (const p of ps) set.onCurrent?.(p, t, v);
  };
}
