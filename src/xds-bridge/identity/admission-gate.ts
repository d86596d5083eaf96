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

/** Which ADS port a stream came in on: the plaintext one or the TLS one (`--ads-tls-port`). */
export type AdsTransport = "plaintext" | "tls";

/** Under this key no snapshot is ever set: a withheld proxy is served nothing. */
const WITHHELD = "/withheld";

/**
 * What an ADS stream is served, from its proxy's admission (admission.ts):
 * - in a `strict` mesh, a proxy that is not admitted gets nothing;
 * - an Envoy sidecar that is not admitted gets nothing in a mesh with mTLS
 *   (its configuration carries its identity over SDS, and without it the
 *   mesh's mTLS calls could not work anyway);
 * - when the bridge has a TLS ADS port, an Envoy sidecar in a mesh with mTLS
 *   gets nothing on the plaintext port, admitted or not: its config carries
 *   its private key over SDS, and its token would travel in the clear (a
 *   proxyless client never gets SDS, its identity is in files, so it stays
 *   on the plaintext port, the only one its xDS channel can use);
 * - otherwise it gets the mesh's routing config, admitted or not
 *   (registration as an endpoint and identities check admission apart).
 * The decision is taken on the stream's first request; when admission or a
 * mesh's mode changes, `changed` finds the streams to end so that their
 * proxies reconnect and are decided again.
 *
 * @example startAdsServer({ cache, gate: gate.gateFor("plaintext"), ... });
 */
export class AdmissionGate {
  constructor(
    private readonly admission: Admission,
    private readonly model: GateModel,
    private readonly log: Logger,
    /** The bridge serves a TLS ADS port: sidecars of mTLS meshes are served only there. */
    private readonly opts: { tlsPort: boolean } = { tlsPort: false },
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

  /** Why `proxy` (as its first request described it), on `transport`, is served nothing; undefined: it is served. */
  withheldFor(proxy: ProxyInfo, transport: AdsTransport): string | undefined {
    const mode = this.model.mtlsMode(proxy.mesh);
    if (mode === "disabled") return undefined;
    const sidecar = snapshotTargetOfKey(proxy.snapshotKey ?? snapshotKeyOf({ mesh: proxy.mesh })).workload !== undefined;
    if (sidecar && transport === "plaintext" && this.opts.tlsPort) return "sds_needs_tls_port";
    if (mode !== "strict" && !sidecar) return undefined;
    const decision = this.decide(proxy);
    return decision.admitted ? undefined : decision.refusal;
  }

  withholds(proxy: ProxyInfo, transport: AdsTransport): boolean {
    return this.withheldFor(proxy, transport) !== undefined;
  }

  /** The gate of the ADS server on `transport`'s port. */
  gateFor(transport: AdsTransport): ProxyGate {
    return (proxy) => {
      const reason = this.withheldFor(proxy, transport);
      if (reason === undefined) return proxy;
      this.log.warn("proxy_withheld", { proxy: proxy.id, mesh: proxy.mesh, transport, reason });
      return { ...proxy, snapshotKey: `${snapshotKeyOf({ mesh: proxy.mesh })}${WITHHELD}` };
    };
  }

  /** Whether a stream's proxy, gated as `served`, would be decided otherwise now. */
  changed(served: ProxyInfo, transport: AdsTransport): boolean {
    const withheldThen = served.snapshotKey?.endsWith(WITHHELD) ?? false;
    return withheldThen !== this.withholds(proxyInfoOf(served.node, served.streamId), transport);
  }
}
