import { randomUUID } from "node:crypto";
import { generateKeyPair, type KeyPair } from "../../contract/x509/certificates.js";
import { createCsr } from "../../contract/x509/csr.js";
import { toPem } from "../../contract/x509/pem.js";
import { bridgeSpiffeId, spiffeId } from "../../contract/x509/spiffe.js";
import type { CertificateIssued, CertificateRefused } from "../../contract/zone-protocol/zone_pb.js";
import type { Logger } from "../logger.js";
import { certificatePaths, existingIdentities, writeCertificateFiles, type CertificatePaths } from "./certificate-files.js";

/** A refusal that names no delay is asked again after this long (the zone's state may have changed by then). */
const RETRY_UNSPECIFIED_MS = 15_000;
const RETRY_MIN_MS = 1_000;

/** One identity as the admin endpoint and `bootstrap` see it. */
export interface IdentityView {
  mesh: string;
  service: string;
  spiffeId: string;
  state: "pending" | "issued" | "refused";
  paths: CertificatePaths;
  serial?: string;
  /** Expiry by this process's clock. */
  notAfterMs?: number;
  /** Renewal due at, by this process's clock. */
  renewAtMs?: number;
  refusal?: { code: string; message: string };
  /** Certificates received for it since this process started. */
  issued: number;
}

/** The PEMs of a held certificate, for Envoy sidecars over SDS (proxyless clients read the files). */
export interface IdentityMaterial {
  certificatePem: string;
  privateKeyPem: string;
  trustBundlePem: string;
}

interface Held extends IdentityView {
  /** The bridge's own serving identity (its TLS ADS port), not a service's. */
  bridgeIdentity?: boolean;
  request?: { id: string; keys: KeyPair };
  timer?: NodeJS.Timeout;
  material?: IdentityMaterial;
}

export interface CertificateRequestFrame {
  requestId: string;
  mesh: string;
  service: string;
  csr: Uint8Array;
  /** Asks for the bridge's own serving certificate: the zone names it from the zone, `service` is only echoed. */
  bridgeIdentity?: boolean;
}

/** The key the bridge's own identity is held under: its SPIFFE path, which has "/" in it and so is no service's name. */
export function bridgeIdentityKey(zone: string): string {
  return `zone/${zone}/bridge`;
}

/** Folder of the bridge's own identity under `<certs-dir>/<mesh>/`: "_" is never in a service name, so it never meets one. */
export const BRIDGE_IDENTITY_DIR = "_bridge";

/**
 * The bridge's identities (istio-agent's role, for a whole cluster): for
 * each it makes an ECDSA P-256 key in memory, sends only a CSR to the zone,
 * writes what comes back with the key to the identity's files (0600), and
 * asks again at the renewal time the zone set, with a new key. Keys exist in
 * this process and in those files, nowhere else: not in a frame, a log line
 * or the zone.
 *
 * Renewal times arrive in the zone's clock; they are turned into delays
 * from the zone's own issue time, so this host's clock need not agree.
 *
 * @example
 * const ids = new IdentityManager({ certsDir, log, send: (r) => zone.requestCertificate(r) });
 * ids.hold("default", "echo");
 */
export class IdentityManager {
  private readonly held = new Map<string, Held>();
  private readonly listeners = new Set<(view: IdentityView) => void>();

  constructor(
    private readonly opts: {
      certsDir: string;
      log: Logger;
      /** Sends a request to the zone; false when not connected (asked again on connect). */
      send: (req: CertificateRequestFrame) => boolean;
      now?: () => number;
    },
  ) {}

  /** Holds again every identity that has files from an earlier run. */
  resume(): void {
    for (const { mesh, service } of existingIdentities(this.opts.certsDir)) void this.hold(mesh, service);
  }

  /** Starts holding `service`'s identity in `mesh` (idempotent). */
  async hold(mesh: string, service: string): Promise<IdentityView> {
    const k = `${mesh}/${service}`;
    const existing = this.held.get(k);
    if (existing) return view(existing);
    const h: Held = { mesh, service, spiffeId: spiffeId(mesh, service), state: "pending", paths: certificatePaths(this.opts.certsDir, mesh, service), issued: 0 };
    this.held.set(k, h);
    await this.ask(h);
    return view(h);
  }

  /**
   * Starts holding this bridge's own serving identity in `mesh`,
   * spiffe://<mesh>/zone/<zone>/bridge (idempotent): the certificate of its
   * TLS ADS port, files under `<certs-dir>/<mesh>/_bridge/`, renewed like any
   * other. Held under the SPIFFE path as its service, which has "/" in it and
   * so is no service's.
   */
  async holdBridge(mesh: string, zone: string): Promise<IdentityView> {
    const service = bridgeIdentityKey(zone);
    const k = `${mesh}/${service}`;
    const existing = this.held.get(k);
    if (existing) return view(existing);
    const h: Held = { mesh, service, spiffeId: bridgeSpiffeId(mesh, zone), state: "pending", paths: certificatePaths(this.opts.certsDir, mesh, BRIDGE_IDENTITY_DIR), issued: 0, bridgeIdentity: true };
    this.held.set(k, h);
    await this.ask(h);
    return view(h);
  }

  /** One held identity, as `list` shows it. */
  get(mesh: string, service: string): IdentityView | undefined {
    const h = this.held.get(`${mesh}/${service}`);
    return h ? view(h) : undefined;
  }

  /** The current certificate, key and trust bundle of an identity, if it has one. */
  material(mesh: string, service: string): IdentityMaterial | undefined {
    return this.held.get(`${mesh}/${service}`)?.material;
  }

  list(): IdentityView[] {
    return [...this.held.values()].map(view);
  }

  /** Calls `fn` whenever an identity's certificate or state changes. */
  onChange(fn: (view: IdentityView) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Something of `mesh` changed in the zone (its Mesh, say mTLS was just
   * turned on): identities still without a certificate ask again now
   * rather than after their retry delay.
   */
  meshChanged(mesh: string): void {
    for (const h of this.held.values()) {
      if (h.mesh !== mesh || h.state === "issued" || h.request) continue;
      clearTimeout(h.timer);
      h.timer = undefined;
      void this.ask(h);
    }
  }

  /** The zone connection is (again) up: send what is outstanding. */
  connected(): void {
    for (const h of this.held.values()) if (h.request && !h.timer) void this.ask(h);
  }

  async onIssued(msg: CertificateIssued): Promise<void> {
    const h = this.held.get(`${msg.mesh}/${msg.service}`);
    if (!h?.request || h.request.id !== msg.requestId) return; // an answer to a request given up
    const keyPem = toPem((await crypto.subtle.exportKey("pkcs8", h.request.keys.privateKey)) as ArrayBuffer, "PRIVATE KEY");
    writeCertificateFiles(h.paths, { certPem: msg.certificatePem, keyPem, caPem: msg.trustBundlePem });
    h.material = { certificatePem: msg.certificatePem, privateKeyPem: keyPem, trustBundlePem: msg.trustBundlePem };
    const now = this.now();
    const renewInMs = Math.max(RETRY_MIN_MS, Number(msg.renewAtMs - msg.issuedAtMs));
    Object.assign(h, { state: "issued", serial: msg.serial, notAfterMs: now + Number(msg.notAfterMs - msg.issuedAtMs), renewAtMs: now + renewInMs, issued: h.issued + 1 });
    delete h.refusal;
    delete h.request;
    this.opts.log.info("identity_issued", { spiffeId: h.spiffeId, serial: msg.serial, notAfterMs: h.notAfterMs, renewInMs });
    this.schedule(h, renewInMs);
    this.emit(h);
  }

  onRefused(msg: CertificateRefused): void {
    const h = this.held.get(`${msg.mesh}/${msg.service}`);
    if (!h?.request || h.request.id !== msg.requestId) return;
    delete h.request;
    h.refusal = { code: msg.code, message: msg.message };
    // A held certificate stays in use until it expires; only a first request shows as refused.
    if (h.state !== "issued") h.state = "refused";
    const retryMs = Number(msg.retryAfterMs) > 0 ? Math.max(RETRY_MIN_MS, Number(msg.retryAfterMs)) : RETRY_UNSPECIFIED_MS;
    this.opts.log.warn("identity_refused", { spiffeId: h.spiffeId, code: msg.code, message: msg.message, retryMs });
    this.schedule(h, retryMs);
    this.emit(h);
  }

  stop(): void {
    for (const h of this.held.values()) clearTimeout(h.timer);
  }

  private schedule(h: Held, delayMs: number): void {
    clearTimeout(h.timer);
    h.timer = setTimeout(() => {
      h.timer = undefined;
      void this.ask(h);
    }, delayMs);
    h.timer.unref();
  }

  /** A new key and CSR for every request: a renewal never reuses a key. */
  private async ask(h: Held): Promise<void> {
    const keys = await generateKeyPair();
    const request = { id: randomUUID(), keys };
    h.request = request;
    const csr = await createCsr(keys, h.bridgeIdentity ? "bridge" : h.service);
    if (h.request !== request) return; // a newer request replaced this one meanwhile
    this.opts.send({ requestId: request.id, mesh: h.mesh, service: h.service, csr, ...(h.bridgeIdentity ? { bridgeIdentity: true } : {}) });
  }

  private emit(h: Held): void {
    for (const fn of this.listeners) fn(view(h));
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

function view(h: Held): IdentityView {
  const { request: _request, timer: _timer, material: _material, bridgeIdentity: _bridge, ...rest } = h;
  return { ...rest };
}
