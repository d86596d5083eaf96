import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { claimsRefusal, parseWorkloadToken, type AdmissionRefusal } from "../../contract/workload-token.js";

export type AdmissionDecision = { admitted: true; tokenId: string } | { admitted: false; refusal: AdmissionRefusal };

/** AdmissionState of the zone protocol, as the zone client hands it over. */
export interface AdmissionStateInput {
  keys: readonly { kid: string; mesh: string; spki: Uint8Array }[];
  revoked: readonly string[];
}

interface StoredState {
  keys: { kid: string; mesh: string; spki: string }[];
  revoked: string[];
}

/** Verified signatures remembered, so a reconnecting proxy costs a map lookup; bounded against a flood of junk tokens. */
const MAX_REMEMBERED = 10_000;

/**
 * Decides whether a proxy may be the service it declares: its workload
 * token (node metadata `token`, src/contract/workload-token.ts) must be
 * signed by its mesh's key, unexpired, not revoked, and for that service
 * (and this zone when the token names one). Offline: the keys and the
 * revocations come from the zone (AdmissionState) and are kept in the cache
 * directory, so a bridge restarted while the zone is away still decides.
 *
 * @example
 * const admission = new Admission("zone-a", ".edgeplane/cache/admission.json");
 * admission.check(token, { mesh: "default", service: "echo" }); // { admitted: true, tokenId }
 */
export class Admission {
  private keys = new Map<string, { mesh: string; key: KeyObject }>();
  private revoked = new Set<string>();
  private readonly verified = new Map<string, boolean>();
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly zone: string,
    private readonly file?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (!file) return;
    try {
      this.apply(JSON.parse(readFileSync(file, "utf8")) as StoredState);
    } catch {
      // No saved state (first start) or an unreadable one: wait for the zone's.
    }
  }

  /** The zone sent its state: it replaces the last one. */
  update(state: AdmissionStateInput): void {
    const stored: StoredState = { keys: state.keys.map((k) => ({ kid: k.kid, mesh: k.mesh, spki: Buffer.from(k.spki).toString("base64") })), revoked: [...state.revoked] };
    this.apply(stored);
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, JSON.stringify(stored), { mode: 0o600 });
      renameSync(`${this.file}.tmp`, this.file);
    }
    for (const l of this.listeners) l();
  }

  /** Called after every update: decisions may have changed (a revocation, a new key). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  check(token: unknown, want: { mesh: string; service: string }): AdmissionDecision {
    if (typeof token !== "string" || token === "") return { admitted: false, refusal: "token_missing" };
    const parsed = parseWorkloadToken(token);
    if (!parsed) return { admitted: false, refusal: "token_malformed" };
    const key = this.keys.get(parsed.claims.kid);
    if (!key || key.mesh !== parsed.claims.mesh) return { admitted: false, refusal: "unknown_key" };
    let good = this.verified.get(token);
    if (good === undefined) {
      good = verify("sha256", parsed.signed, { key: key.key, dsaEncoding: "ieee-p1363" }, parsed.signature);
      if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
      this.verified.set(token, good);
    }
    if (!good) return { admitted: false, refusal: "bad_signature" };
    const refusal = claimsRefusal(parsed.claims, { ...want, zone: this.zone }, this.revoked, this.now());
    return refusal ? { admitted: false, refusal } : { admitted: true, tokenId: parsed.claims.id };
  }

  private apply(state: StoredState): void {
    const keys = new Map<string, { mesh: string; key: KeyObject }>();
    for (const k of state.keys) {
      try {
        keys.set(k.kid, { mesh: k.mesh, key: createPublicKey({ key: Buffer.from(k.spki, "base64"), format: "der", type: "spki" }) });
      } catch {
        // A key Node cannot read admits nobody.
      }
    }
    this.keys = keys;
    this.revoked = new Set(state.revoked);
  }
}
