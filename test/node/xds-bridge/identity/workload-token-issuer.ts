import { randomUUID, type webcrypto } from "node:crypto";
import { signWorkloadToken, type WorkloadTokenClaims } from "../../../../src/contract/workload-token.js";
import type { AdmissionStateInput } from "../../../../src/xds-bridge/identity/admission.js";

/**
 * Signs workload tokens the way the Worker does (same contract function,
 * WebCrypto ECDSA P-256), for bridge tests that have no Worker: `state()` is
 * the AdmissionState a zone would send.
 */
export class WorkloadTokenIssuer {
  readonly kid = randomUUID();
  readonly revoked: string[] = [];

  private constructor(
    readonly mesh: string,
    private readonly pair: webcrypto.CryptoKeyPair,
    private readonly spki: Uint8Array,
  ) {}

  static async create(mesh = "default"): Promise<WorkloadTokenIssuer> {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
    return new WorkloadTokenIssuer(mesh, pair, new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey)));
  }

  async token(service: string, opts: Partial<Pick<WorkloadTokenClaims, "zone" | "exp" | "id">> = {}): Promise<string> {
    const claims: WorkloadTokenClaims = { id: opts.id ?? randomUUID(), kid: this.kid, mesh: this.mesh, service, exp: opts.exp ?? Math.floor(Date.now() / 1000) + 3600, ...(opts.zone ? { zone: opts.zone } : {}) };
    return signWorkloadToken(this.pair.privateKey, claims);
  }

  state(): AdmissionStateInput {
    return { keys: [{ kid: this.kid, mesh: this.mesh, spki: this.spki }], revoked: [...this.revoked] };
  }
}
