import type { Logger } from "../logger.js";
import type { ProxyGate } from "../xds/ads-stream-base.js";
import { proxyInfoOf, snapshotKeyOf, snapshotTargetOfKey } from "../xds/node-hash.js";
import type { ProxyInfo } from "../xds/proxy-callbacks.js";
import type { Admission, AdmissionDecision } from "./admission.js";

/** What the gate needs to know of the mesh. */
export interface GateModel {
  mtlsMode(mesh: string): "disabled" | "permissive" | "strict";
  serviceOfSidecar(mesh: string, workload: string): string | undefined;
}

/** Under this key no snapshot is ever set: a withheld proxy is served nothing. */
const WITHHELD = "/withheld";

/**
 * What an ADS stream is served, from its proxy's admission (admission.ts):
 * - in a `strict` mesh, a proxy that is not admitted gets nothing;
 * - an Envoy sidecar that is not admitted gets nothing in a mesh with mTLS
 *   (its configuration carries its identity over SDS, and without it the
 *   mesh's mTLS calls could not work anyway);
 * - otherwise it gets the mesh's routing config, admitted or not
 *   (registration as an endpoint and identities check admission apart).
 * The decision is taken on the stream's first request; when admission or a
 * mesh's mode changes, `changed` finds the streams to end so that their
 * proxies reconnect and are decided again.
 *
 * @example startAdsServer({ cache, gate: gate.gate, ... });
 */
export class AdmissionGate {
  constructor(
    private readonly admission: Admission,
    private readonly model: GateModel,
    private readonly log: Logger,
  ) {}

  /** The service a proxy is: a sidecar's workload's, or what a proxyless client's metadata names. */
  serviceOf(proxy: ProxyInfo): string | undefined {
    const workload = snapshotTargetOfKey(proxy.snapshotKey ?? snapshotKeyOf({ mesh: proxy.mesh })).workload;
    if (workload !== undefined) return this.model.serviceOfSidecar(proxy.mesh, workload);
    const declared = proxy.node.metadata?.["service"];
    return typeof declared === "string" && declared !== "" ? declared : undefined;
  }

  decide(proxy: ProxyInfo, service = this.serviceOf(proxy)): AdmissionDecision {
    if (service === undefined) return { admitted: false, refusal: "token_missing" };
    return this.admission.check(proxy.node.metadata?.["token"], { mesh: proxy.mesh, service });
  }

  /** Whether `proxy` (as its first request described it) is served nothing. */
  withholds(proxy: ProxyInfo): boolean {
    const mode = this.model.mtlsMode(proxy.mesh);
    if (mode === "disabled") return false;
    const sidecar = snapshotTargetOfKey(proxy.snapshotKey ?? snapshotKeyOf({ mesh: proxy.mesh })).workload !== undefined;
    if (mode !== "strict" && !sidecar) return false;
    return !this.decide(proxy).admitted;
  }

  readonly gate: ProxyGate = (proxy) => {
    if (!this.withholds(proxy)) return proxy;
    const decision = this.decide(proxy);
    this.log.warn("proxy_withheld", { proxy: proxy.id, mesh: proxy.mesh, reason: decision.admitted ? "" : decision.refusal });
    return { ...proxy, snapshotKey: `${snapshotKeyOf({ mesh: proxy.mesh })}${WITHHELD}` };
  };

  /** Whether a stream's proxy, gated as `served`, would be decided otherwise now. */
  changed(served: ProxyInfo): boolean {
    const withheldThen = served.snapshotKey?.endsWith(WITHHELD) ?? false;
    return withheldThen !== this.withholds(proxyInfoOf(served.node, served.streamId));
  }
}
