import { create } from "@bufbuild/protobuf";
import {
  DiscoveryResponseSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { AdsProtocolError, AdsStreamBase, type StreamCoreOptions } from "./ads-stream-base.js";
import { snapshotKeyOfProxy } from "./node-hash.js";
import { resourceKind } from "./resource-kinds.js";
import { PoisonHolds, type HeldState } from "./poison-holds.js";
import type { EncodedResource, Snapshot } from "./snapshot.js";
import { SotwSubscription } from "./sotw-subscription.js";

export interface SotwAdsStreamOptions extends StreamCoreOptions {
  /** Hands a response to the transport. */
  send(response: DiscoveryResponse): void;
}

/** What the stream knows about one type_url. */
interface TypeState {
  subscription: SotwSubscription;
  /** Nonce of the last response sent; "" before the first. */
  nonce: string;
  /** version_info of the last response sent. */
  version: string;
  /** name -> hash the proxy last received; undefined until the first response. */
  sent: ReadonlyMap<string, string> | undefined;
  /** The resources of the last response sent. */
  lastSent: EncodedResource[];
  /** The resources of the last response the proxy ACKed, and its version_info. */
  acked: ReadonlyMap<string, EncodedResource>;
  ackedVersion: string;
  holds: PoisonHolds;
  /** The held state last reported through onHeld, to report only changes. */
  reportedHeld: string;
}

/**
 * State-of-the-world ADS for one stream, independent of the transport: feed
 * it requests, it calls `send` with responses (and pushes by itself when the
 * mesh's snapshot changes). Rules, from the xDS protocol doc:
 * - the first request carries node: it fixes the proxy and its mesh;
 * - a non-empty response_nonce other than the last one sent for that type is
 *   stale and ignored entirely;
 * - the last nonce echoed back is an ACK, or a NACK when error_detail is set;
 * - a type is (re)sent when its subscription changed, or when the resources
 *   the proxy would get (names and hashes) differ from what it last got.
 *
 * @example
 *   const s = new SotwAdsStream({ streamId: 1, cache, callbacks, send: (r) => call.write(r), fail });
 *   call.on("data", (req) => s.handleRequest(req));
 *   call.on("close", () => s.close());
 */
export class SotwAdsStream extends AdsStreamBase<DiscoveryRequest, TypeState, SotwAdsStreamOptions> {
  protected process(request: DiscoveryRequest): void {
    const { callbacks, cache } = this.options;
    const proxy = this.proxyOf(request, "DiscoveryRequest");
    callbacks.onRequest(proxy, request);
    if (request.typeUrl === "") throw new AdsProtocolError("type_url is required on an aggregated (ADS) stream");
    const kind = resourceKind(request.typeUrl);
    // Types we do not serve (e.g. SDS secrets) are left unanswered, as a
    // management server without such resources would.
    if (!kind) return;

    let state = this.types.get(request.typeUrl);
    const nonce = request.responseNonce;
    if (nonce !== "") {
      if (!state || nonce !== state.nonce) return; // stale: a newer response is in flight
      if (request.errorDetail) {
        callbacks.onNack(proxy, request.typeUrl, request.versionInfo, state.version, request.errorDetail.message);
        // Hold back what it refused and give it a config it can accept, so
        // the refused resource never stalls the rest.
        if (state.holds.onNack(state.lastSent, state.acked, state.version, request.errorDetail.message)) {
          // Proxies of the same key that connect later start on what this one accepted.
          const key = snapshotKeyOfProxy(proxy);
          const { rejectedVersion, errorDetail } = state.holds.state();
          for (const h of state.holds.entries()) cache.refusals.remember(key, request.typeUrl, h.name, { badHash: h.badHash, keep: h.keep, rejectedVersion, errorDetail });
          const snapshot = cache.getSnapshot(key);
          this.reportHeld(request.typeUrl, state, snapshot);
          if (snapshot) this.push(request.typeUrl, state, snapshot, false);
        }
      } else {
        state.acked = new Map(state.lastSent.map((r) => [r.name, r]));
        state.ackedVersion = request.versionInfo;
        callbacks.onAck(proxy, request.typeUrl, request.versionInfo);
      }
    }

    const subscription = SotwSubscription.fromRequest(state?.subscription, request.resourceNames, kind.emptyMeansWildcard);
    const changed = !state || !subscription.equals(state.subscription);
    if (!state) {
      const holds = new PoisonHolds();
      holds.adopt(cache.refusals.of(snapshotKeyOfProxy(proxy), request.typeUrl));
      state = { subscription, nonce: "", version: "", sent: undefined, lastSent: [], acked: new Map(), ackedVersion: "", holds, reportedHeld: "" };
      this.types.set(request.typeUrl, state);
    }
    // Always keep the latest spelling: it decides what a later empty list means.
    state.subscription = subscription;
    const snapshot = cache.getSnapshot(snapshotKeyOfProxy(proxy));
    if (changed) this.indexSubscription(request.typeUrl, subscription.wildcard, subscription.names, !snapshot);
    // Without a snapshot there is nothing to say yet; onSnapshot answers later.
    if (changed && snapshot) this.push(request.typeUrl, state, snapshot, true);
  }

  protected pushChanged(typeUrl: string, state: TypeState, snapshot: Snapshot): void {
    this.push(typeUrl, state, snapshot, false);
  }

  private reportHeld(typeUrl: string, state: TypeState, snapshot: Snapshot | undefined): void {
    if (!this.proxyInfo) return;
    const held = heldOf(state, snapshot, typeUrl);
    const text = JSON.stringify(held.names.length > 0 ? held : []);
    if (text === state.reportedHeld || (state.reportedHeld === "" && held.names.length === 0)) return;
    state.reportedHeld = text;
    this.options.callbacks.onHeld(this.proxyInfo, typeUrl, held);
  }

  /** Sends the type's current resources unless (when not forced) the proxy already has exactly them. */
  private push(typeUrl: string, state: TypeState, snapshot: Snapshot, force: boolean): void {
    const before = new Map(state.holds.entries().map((h) => [h.name, h.badHash]));
    const { resources: selected, released } = state.holds.apply(snapshot.select(typeUrl, state.subscription));
    if (released && this.proxyInfo) {
      const key = snapshotKeyOfProxy(this.proxyInfo);
      const still = new Set(state.holds.entries().map((h) => h.name));
      for (const [name, badHash] of before) if (!still.has(name)) this.options.cache.refusals.forget(key, typeUrl, name, badHash);
    }
    this.reportHeld(typeUrl, state, snapshot);
    const hashes = new Map(selected.map((r) => [r.name, r.hash]));
    if (!force && state.sent && sameHashes(state.sent, hashes)) {
      if (this.proxyInfo) this.options.callbacks.onCurrent(this.proxyInfo, typeUrl, snapshot.version);
      return;
    }
    const nonce = this.nextNonce();
    const response = create(DiscoveryResponseSchema, {
      versionInfo: snapshot.version,
      typeUrl,
      nonce,
      resources: selected.map((r) => r.any),
    });
    state.nonce = nonce;
    state.version = snapshot.version;
    state.sent = hashes;
    state.lastSent = selected;
    this.options.send(response);
    const bytes = selected.reduce((sum, r) => sum + r.any.value.byteLength, 0);
    if (this.proxyInfo) this.options.callbacks.onResponse(this.proxyInfo, typeUrl, snapshot.version, nonce, bytes);
  }
}

/**
 * Reports what is held back from this proxy for one type, when it changed:
 * what it (or another proxy of its key) refused, and what the bridge itself
 * refused to put in the snapshot (Snapshot.refused).
 */
function heldOf(state: TypeState, snapshot: Snapshot | undefined, typeUrl: string): HeldState {
  const own = state.holds.state();
  const bridge = snapshot?.refused.get(typeUrl);
  const subscribed = (n: string) => state.subscription.wildcard || state.subscription.names.has(n);
  const refused = (bridge?.names ?? []).filter(subscribed);
  if (refused.length === 0) return own;
  const names = [...new Set([...own.names, ...refused])].sort();
  return { names, rejectedVersion: own.names.length > 0 ? own.rejectedVersion : (snapshot?.version ?? ""), errorDetail: own.names.length > 0 ? own.errorDetail : (bridge?.errorDetail ?? "") };
}

function sameHashes(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, hash] of a) if (b.get(name) !== hash) return false;
  return true;
}
