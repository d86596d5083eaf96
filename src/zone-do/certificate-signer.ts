import { parseDurationMs } from "../contract/duration.js";
import { keyString, type ResourceOf } from "../contract/resource-types.js";
import { signLeaf } from "../contract/x509/certificates.js";
import { readCsr } from "../contract/x509/csr.js";
import { bridgeSpiffeId, spiffeId } from "../contract/x509/spiffe.js";
import type { CertificateRequest } from "../contract/zone-protocol/zone_pb.js";
// The opened root is kept in memory (never in storage) for ZONE_CA_CACHE_MS: signing goes on while D1 is briefly away.
import { ZONE_CA_CACHE_MS, type SigningRoot } from "../global/mesh-ca.js";
import type { EndpointLayer } from "./endpoint-layer.js";
import type { ZoneStorage } from "./zone-storage.js";
import type { ZoneUplink } from "./zone-uplink.js";

/** A leaf is valid from a minute back, so a bridge whose clock is a little behind the zone's takes it at once. */
const BACKDATE_MS = 60_000;
/** Renewal is brought forward by up to this fraction of the lifetime, at random, so a zone does not renew everything at once. */
const JITTER = 0.05;

export type SignOutcome =
  | { ok: true; certificatePem: string; trustBundlePem: string; serial: string; issuedAtMs: number; notAfterMs: number; renewAtMs: number }
  | { ok: false; code: "unknown_mesh" | "mtls_disabled" | "identity_not_in_zone" | "bad_csr" | "no_ca" | "unavailable"; message: string; retryAfterMs: number };

/**
 * The zone's half of the CSR path (istiod's CA server, in the zone): it
 * signs a bridge's CSR for `spiffe://<mesh>/<service>`, where the zone, not
 * the CSR, decides the identity. A bridge of zone Z gets certificates only
 * for services with a workload in Z, declared (Workload.spec.zone = Z) or
 * discovered by Z's bridges (which includes proxies that declare their
 * service), so a compromised bridge cannot mint another zone's identities.
 * Issued certificates are recorded (serial, not-after, bridge) for the
 * identities listing; the CA key is only ever in this object's memory.
 *
 * A request with `bridgeIdentity` is the bridge's own serving certificate
 * (its TLS ADS port): the SAN is `spiffe://<mesh>/zone/<zone>/bridge` for the
 * zone the bridge authenticated as, never anything the request or CSR names,
 * so a bridge can only ever be its own zone's bridge. It needs no workload.
 *
 * @example const out = await signer.sign("zone-a", "bridge-1", request, Date.now());
 */
export class CertificateSigner {
  private readonly roots = new Map<string, { ca: { root: SigningRoot; bundlePem: string }; fetchedAtMs: number }>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly state: ZoneStorage,
    private readonly endpoints: EndpointLayer,
    private readonly uplink: ZoneUplink,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS issued_certificates (
      mesh TEXT NOT NULL, service TEXT NOT NULL, serial TEXT NOT NULL, bridge_id TEXT NOT NULL,
      issued_at_ms INTEGER NOT NULL, not_after_ms INTEGER NOT NULL, PRIMARY KEY (mesh, service, bridge_id))`);
  }

  async sign(zone: string, bridgeId: string, req: CertificateRequest, nowMs: number): Promise<SignOutcome> {
    const meshRow = this.state.resourcesFor([keyString({ kind: "Mesh", mesh: "", name: req.mesh })]).upserts[0];
    if (!meshRow) return refuse("unknown_mesh", `zone "${zone}" knows no mesh "${req.mesh}"`, 0);
    const mtls = (JSON.parse(meshRow.document) as ResourceOf<"Mesh">).spec.mtls;
    if (!mtls || mtls.mode === "disabled") return refuse("mtls_disabled", `mesh "${req.mesh}" has mTLS disabled: it issues no certificates`, 0);
    if (!req.bridgeIdentity && !this.hasWorkloadInZone(zone, req.mesh, req.service)) {
      return refuse("identity_not_in_zone", `service "${req.service}" of mesh "${req.mesh}" has no workload in zone "${zone}" (declared or discovered)`, 30_000);
    }
    const csr = await readCsr(req.csr);
    if (!csr.ok) return refuse("bad_csr", `the CSR is not usable: ${csr.reason}`, 0);
    const ca = await this.caOf(req.mesh, nowMs);
    if (ca === "unavailable") return refuse("unavailable", "the mesh CA cannot be reached (D1 away); asking again later", 5_000);
    if (!ca) return refuse("no_ca", `mesh "${req.mesh}" has no CA that opens under this control plane's MESH_CA_SECRET`, 60_000);

    const ttlMs = parseDurationMs(mtls.certTTL ?? "24h") ?? 86_400_000;
    const uri = req.bridgeIdentity ? bridgeSpiffeId(req.mesh, zone) : spiffeId(req.mesh, req.service);
    // Recorded under the SPIFFE path, so the identities listing names the bridge's as what it is.
    const recorded = req.bridgeIdentity ? uri.slice(`spiffe://${req.mesh}/`.length) : req.service;
    const leaf = await signLeaf({
      issuerDer: ca.root.der,
      issuerKey: ca.root.key,
      subjectSpki: csr.spki,
      uri,
      commonName: req.bridgeIdentity ? `bridge.${zone}` : req.service,
      notBefore: new Date(nowMs - BACKDATE_MS),
      notAfter: new Date(nowMs + ttlMs),
    });
    const notAfterMs = nowMs + ttlMs;
    const renewAtMs = nowMs + Math.round(ttlMs * (mtls.rotateAt ?? 0.8) * (1 - Math.random() * JITTER));
    this.sql.exec(
      "INSERT OR REPLACE INTO issued_certificates (mesh, service, serial, bridge_id, issued_at_ms, not_after_ms) VALUES (?, ?, ?, ?, ?, ?)",
      req.mesh,
      recorded,
      leaf.serial,
      bridgeId,
      nowMs,
      notAfterMs,
    );
    return { ok: true, certificatePem: leaf.pem, trustBundlePem: ca.bundlePem, serial: leaf.serial, issuedAtMs: nowMs, notAfterMs, renewAtMs };
  }

  /** What this zone issued and is still valid: one row per identity and bridge. */
  issued(nowMs: number): { mesh: string; service: string; serial: string; bridgeId: string; issuedAtMs: number; notAfterMs: number }[] {
    this.sql.exec("DELETE FROM issued_certificates WHERE not_after_ms <= ?", nowMs);
    return this.sql
      .exec<{ mesh: string; service: string; serial: string; bridge_id: string; issued_at_ms: number; not_after_ms: number }>(
        "SELECT mesh, service, serial, bridge_id, issued_at_ms, not_after_ms FROM issued_certificates ORDER BY mesh, service, bridge_id",
      )
      .toArray()
      .map((r) => ({ mesh: r.mesh, service: r.service, serial: r.serial, bridgeId: r.bridge_id, issuedAtMs: r.issued_at_ms, notAfterMs: r.not_after_ms }));
  }

  private hasWorkloadInZone(zone: string, mesh: string, service: string): boolean {
    const declared = this.state.ofKind("Workload", mesh).some((row) => {
      const spec = (JSON.parse(row.document) as ResourceOf<"Workload">).spec;
      return spec.service === service && spec.zone === zone;
    });
    // Discovered rows are this zone's own (remote zones' rows live apart), checked against the zone on arrival.
    return declared || this.endpoints.discovered().some((row) => row.mesh === mesh && (JSON.parse(row.document) as ResourceOf<"Workload">).spec.service === service);
  }

  private async caOf(mesh: string, nowMs: number): Promise<{ root: SigningRoot; bundlePem: string } | undefined | "unavailable"> {
    const cached = this.roots.get(mesh);
    if (cached && nowMs - cached.fetchedAtMs < ZONE_CA_CACHE_MS) return cached.ca;
    try {
      const ca = await this.uplink.meshCa(mesh);
      if (ca) this.roots.set(mesh, { ca, fetchedAtMs: nowMs });
      else this.roots.delete(mesh);
      return ca;
    } catch {
      // D1 away: an opened root from before keeps signing until it is replaced.
      return cached?.ca ?? "unavailable";
    }
  }
}

function refuse(code: Extract<SignOutcome, { ok: false }>["code"], message: string, retryAfterMs: number): SignOutcome {
  return { ok: false, code, message, retryAfterMs };
}
