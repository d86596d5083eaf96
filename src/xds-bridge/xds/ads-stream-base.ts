import type { Node } from "../../../gen/envoy/config/core/v3/base_pb.js";
import { proxyInfoOf, snapshotKeyOfProxy } from "./node-hash.js";
import type { ProxyCallbacks, ProxyInfo, StreamDump } from "./proxy-callbacks.js";
import { inPushOrder } from "./resource-kinds.js";
import type { EncodedResource, Snapshot } from "./snapshot.js";
import type { CurrentSink, IndexedWatcher, SnapshotCache, SubscriptionHandle } from "./snapshot-cache.js";

/** A client broke the protocol; the transport ends the stream with INVALID_ARGUMENT. */
export class AdsProtocolError extends Error {
  override readonly name = "AdsProtocolError";
}

/** Given what a proxy's first request says, what it is served as (e.g. a snapshot key it is never given). */
export type ProxyGate = (proxy: ProxyInfo) => ProxyInfo;

/** What every ADS stream variant needs from the server that runs it. */
export interface StreamCoreOptions {
  /** Unique per server, across SotW and delta streams (the tracker keys on it). */
  readonly streamId: number;
  readonly cache: SnapshotCache;
  readonly callbacks: Required<ProxyCallbacks>;
  /** Decides what a proxy is served from its first request (admission may withhold its config). */
  readonly gate?: ProxyGate;
  /** The stream cannot go on (protocol error or bug); the transport ends it. */
  fail(err: unknown): void;
}

/** The part of a type's state every variant keeps: what the proxy accepted. */
export interface AckedState {
  ackedVersion: string;
  acked: ReadonlyMap<string, EncodedResource>;
}

/**
 * The lifecycle both ADS variants (state of the world, delta) share: the
 * proxy learned from the first request, the cache watch on its snapshot
 * key, pushes in warming order on every snapshot change, nonces, close, and
 * the config dump. Subclasses implement the protocol: `process` for a
 * request, `pushChanged` for what a new snapshot means for one type.
 */
export abstract class AdsStreamBase<Req extends { node?: Node | undefined }, State extends AckedState, O extends StreamCoreOptions> implements IndexedWatcher {
  protected proxyInfo: ProxyInfo | undefined;
  protected readonly types = new Map<string, State>();
  private nonceCounter = 0;
  private watch: SubscriptionHandle | undefined;
  private closed = false;

  constructor(protected readonly options: O) {}

  /** Streams the cache skips are reported current through the same callbacks. */
  get currentSink(): CurrentSink {
    return this.options.callbacks;
  }

  /** The proxy, once its first request arrived. */
  get proxy(): ProxyInfo | undefined {
    return this.proxyInfo;
  }

  /** Acts on one request; never throws (failures go to options.fail). */
  handleRequest(request: Req): void {
    if (this.closed) return;
    try {
      this.process(request);
    } catch (err) {
      this.options.fail(err);
    }
  }

  /** Stops watching the cache and reports the close; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.stop();
    this.watch = undefined;
    if (this.proxyInfo) this.options.callbacks.onStreamClosed(this.proxyInfo);
  }

  /** What the proxy accepted, per type (what it runs). */
  dump(): StreamDump | undefined {
    if (!this.proxyInfo) return undefined;
    const types = [...this.types].map(([typeUrl, s]) => ({
      typeUrl,
      version: s.ackedVersion,
      resources: [...s.acked.values()].map((r) => ({ name: r.name, any: r.any })),
    }));
    return { proxy: this.proxyInfo, types };
  }

  protected abstract process(request: Req): void;

  /** A new snapshot arrived: send `typeUrl`'s changes, or report the proxy current. */
  protected abstract pushChanged(typeUrl: string, state: State, snapshot: Snapshot): void;

  /** The stream's proxy: known from the first request, which must carry node. */
  protected proxyOf(request: Req, requestName: string): ProxyInfo {
    if (this.proxyInfo) return this.proxyInfo;
    const node = request.node;
    if (!node) throw new AdsProtocolError(`the first ${requestName} of a stream must carry node`);
    const seen = proxyInfoOf(node, this.options.streamId);
    const proxy = this.options.gate ? this.options.gate(seen) : seen;
    this.proxyInfo = proxy;
    this.watch = this.options.cache.watchSubscriptions(snapshotKeyOfProxy(proxy), this);
    this.options.callbacks.onStreamOpen(proxy);
    return proxy;
  }

  /** The only place nonces are made: unique per stream, across types. */
  protected nextNonce(): string {
    this.nonceCounter += 1;
    return String(this.nonceCounter);
  }

  /**
   * What the stream subscribes to of a type changed (or was first set): a
   * snapshot change visits the stream for that type only when it concerns
   * these names. `pending`: no snapshot answered it yet.
   */
  protected indexSubscription(typeUrl: string, wildcard: boolean, names: Iterable<string>, pending: boolean): void {
    this.watch?.set(typeUrl, wildcard, names);
    if (pending) this.watch?.markPending();
  }

  /** Called by the cache for the types whose changed names concern this stream. */
  onSnapshotTypes(snapshot: Snapshot, typeUrls: ReadonlySet<string>): void {
    if (this.closed) return;
    try {
      for (const [typeUrl, state] of inPushOrder(this.types)) if (typeUrls.has(typeUrl)) this.pushChanged(typeUrl, state, snapshot);
    } catch (err) {
      this.options.fail(err);
    }
  }
}
