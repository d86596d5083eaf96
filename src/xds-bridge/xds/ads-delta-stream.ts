import { create } from "@bufbuild/protobuf";
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryRequestSchema,
  ResourceSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
} from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { AdsProtocolError, AdsStreamBase, type StreamCoreOptions } from "./ads-stream-base.js";
import { DeltaSubscription } from "./delta-subscription.js";
import { snapshotKeyOfProxy } from "./node-hash.js";
import type { ProxyInfo } from "./proxy-callbacks.js";
import { resourceKind } from "./resource-kinds.js";
import type { EncodedResource, Snapshot } from "./snapshot.js";

export interface DeltaAdsStreamOptions extends StreamCoreOptions {
  /** Hands a response to the transport. */
  send(response: DeltaDiscoveryResponse): void;
}

/**
 * Unanswered responses remembered per type. A client that never answers must
 * not grow the stream's memory; an answer to a forgotten nonce is stale.
 */
const MAX_PENDING_NONCES = 64;

/** What the stream knows about one type_url. */
interface DeltaTypeState {
  readonly subscription: DeltaSubscription;
  /** nonce -> system_version_info of responses not yet ACKed or NACKed, oldest first. */
  readonly pending: Map<string, string>;
  /** system_version_info of the last ACKed response; "" before the first. */
  ackedVersion: string;
  /** nonce -> names of the resources that response carried. */
  readonly pendingNames: Map<string, string[]>;
  /** nonce -> the resources and removals of that response, applied to `acked` on its ACK. */
  readonly pendingContent: Map<string, { updated: EncodedResource[]; removed: string[] }>;
  /** What the client accepted, by name. */
  readonly acked: Map<string, EncodedResource>;
  /**
   * Poison isolation: names the proxy refused. Delta never re-sends an
   * unchanged resource, so nothing needs substituting; the hold only keeps
   * the refusal visible until a later version of the resource is accepted.
   */
  held: { names: Set<string>; rejectedVersion: string; errorDetail: string };
}

/**
 * Incremental (delta) ADS for one stream, independent of the transport: feed
 * it DeltaDiscoveryRequests, it calls `send` with DeltaDiscoveryResponses
 * (and pushes by itself when the mesh's snapshot changes). Rules, from the
 * xDS protocol doc's incremental section:
 * - the first request carries node: it fixes the proxy and its mesh;
 * - subscriptions change by resource_names_subscribe / _unsubscribe, always
 *   applied, even on a request whose nonce is stale (they are deltas: dropping
 *   one would lose it for good);
 * - a response_nonce of a response not yet answered is an ACK of that
 *   response's system_version_info, or a NACK when error_detail is set;
 *   any other nonce is stale and neither;
 * - a response carries only resources whose hash differs from what the client
 *   has (per name), plus removed_resources for names it has that are gone.
 *
 * @example
 *   const s = new DeltaAdsStream({ streamId: 1, cache, callbacks, send: (r) => call.write(r), fail });
 *   call.on("data", (req) => s.handleRequest(req));
 *   call.on("close", () => s.close());
 */
export class DeltaAdsStream extends AdsStreamBase<DeltaDiscoveryRequest, DeltaTypeState, DeltaAdsStreamOptions> {
  protected process(request: DeltaDiscoveryRequest): void {
    const { callbacks, cache } = this.options;
    const proxy = this.proxyOf(request, "DeltaDiscoveryRequest");
    callbacks.onRequest(proxy, sotwView(request));
    if (request.typeUrl === "") throw new AdsProtocolError("type_url is required on an aggregated (ADS) stream");
    const kind = resourceKind(request.typeUrl);
    // Types we do not serve (e.g. SDS secrets) are left unanswered, as a
    // management server without such resources would.
    if (!kind) return;

    let state = this.types.get(request.typeUrl);
    if (state && request.responseNonce !== "") this.answered(proxy, request, state);

    let changed: boolean;
    if (!state) {
      const subscription = DeltaSubscription.first(
        kind.emptyMeansWildcard,
        request.resourceNamesSubscribe,
        request.initialResourceVersions,
      );
      subscription.apply([], request.resourceNamesUnsubscribe);
      state = { subscription, pending: new Map(), ackedVersion: "", pendingNames: new Map(), pendingContent: new Map(), acked: new Map(), held: { names: new Set(), rejectedVersion: "", errorDetail: "" } };
      this.types.set(request.typeUrl, state);
      changed = true;
    } else {
      changed = state.subscription.apply(request.resourceNamesSubscribe, request.resourceNamesUnsubscribe);
    }
    const snapshot = cache.getSnapshot(snapshotKeyOfProxy(proxy));
    if (changed) this.indexSubscription(request.typeUrl, state.subscription.wildcard, state.subscription.explicitNames(), !snapshot);
    // Without a snapshot there is nothing to say yet; onSnapshot answers later.
    if (changed && snapshot) this.pushChanged(request.typeUrl, state, snapshot);
  }

  /** Reports the ACK or NACK a request carries, unless its nonce is stale. */
  private answered(proxy: ProxyInfo, request: DeltaDiscoveryRequest, state: DeltaTypeState): void {
    const nonce = request.responseNonce;
    const version = state.pending.get(nonce);
    if (version === undefined) return;
    // Clients answer in order, so anything older still pending was skipped
    // and an answer to it later would be stale.
    for (const older of state.pending.keys()) {
      state.pending.delete(older);
      if (older === nonce) break;
    }
    const { callbacks } = this.options;
    const names = state.pendingNames.get(nonce) ?? [];
    const content = state.pendingContent.get(nonce);
    for (const k of [...state.pendingNames.keys()]) if (!state.pending.has(k)) state.pendingNames.delete(k);
    for (const k of [...state.pendingContent.keys()]) if (!state.pending.has(k)) state.pendingContent.delete(k);
    if (request.errorDetail) {
      callbacks.onNack(proxy, request.typeUrl, state.ackedVersion, version, request.errorDetail.message);
      state.held = { names: new Set([...state.held.names, ...names]), rejectedVersion: version, errorDetail: request.errorDetail.message };
      callbacks.onHeld(proxy, request.typeUrl, { names: [...state.held.names].sort(), rejectedVersion: version, errorDetail: request.errorDetail.message });
    } else {
      state.ackedVersion = version;
      for (const r of content?.updated ?? []) state.acked.set(r.name, r);
      for (const n of content?.removed ?? []) state.acked.delete(n);
      const released = names.filter((n) => state.held.names.delete(n));
      callbacks.onAck(proxy, request.typeUrl, version);
      if (released.length > 0) {
        callbacks.onHeld(proxy, request.typeUrl, { ...state.held, names: [...state.held.names].sort() });
      }
    }
  }

  /** Sends what changed for the type since the client's view, if anything did. */
  protected pushChanged(typeUrl: string, state: DeltaTypeState, snapshot: Snapshot): void {
    const { updated, removed } = state.subscription.diff(snapshot.resources(typeUrl));
    if (updated.length === 0 && removed.length === 0) {
      if (this.proxyInfo) this.options.callbacks.onCurrent(this.proxyInfo, typeUrl, snapshot.version);
      return;
    }
    const nonce = this.nextNonce();
    const response = create(DeltaDiscoveryResponseSchema, {
      systemVersionInfo: snapshot.version,
      typeUrl,
      nonce,
      // The snapshot's Any is reused as is: create() keeps message values.
      resources: updated.map((r) => create(ResourceSchema, { name: r.name, version: r.hash, resource: r.any })),
      removedResources: removed,
    });
    state.pending.set(nonce, snapshot.version);
    state.pendingNames.set(nonce, [...updated.map((r) => r.name), ...removed]);
    state.pendingContent.set(nonce, { updated: [...updated], removed: [...removed] });
    if (state.pending.size > MAX_PENDING_NONCES) {
      const oldest = state.pending.keys().next();
      if (!oldest.done) state.pending.delete(oldest.value);
    }
    this.options.send(response);
    const bytes = updated.reduce((sum, r) => sum + r.any.value.byteLength, 0);
    if (this.proxyInfo) this.options.callbacks.onResponse(this.proxyInfo, typeUrl, snapshot.version, nonce, bytes);
  }
}

/**
 * ProxyCallbacks.onRequest takes a SotW DiscoveryRequest, so delta requests
 * are shown to it in that shape: node, type_url, response_nonce and
 * error_detail as sent, resource_names = resource_names_subscribe.
 */
function sotwView(request: DeltaDiscoveryRequest): DiscoveryRequest {
  return create(DiscoveryRequestSchema, {
    node: request.node,
    typeUrl: request.typeUrl,
    resourceNames: request.resourceNamesSubscribe,
    responseNonce: request.responseNonce,
    errorDetail: request.errorDetail,
  });
}
