import type { AdmissionRecords } from "../store/workload-token-store.js";
import type { ZoneUplink } from "./zone-uplink.js";

/**
 * The zone's copy of what its bridges need to admit proxies (workload-token
 * public keys and live revocations, src/contract/workload-token.ts), kept
 * in its SQLite so that a zone cut off from D1 still hands bridges the last
 * state it read: admission keeps working while the global plane is away.
 *
 * @example if (await admission.refresh()) sockets.broadcastAdmission(admission.frame());
 */
export class ZoneAdmission {
  private cached: AdmissionRecords | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly uplink: ZoneUplink,
  ) {
    sql.exec("CREATE TABLE IF NOT EXISTS admission_state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)");
  }

  current(): AdmissionRecords {
    if (!this.cached) {
      const row = this.sql.exec<{ json: string }>("SELECT json FROM admission_state WHERE id = 1").toArray()[0];
      this.cached = row ? (JSON.parse(row.json) as AdmissionRecords) : { keys: [], revoked: [] };
    }
    return this.cached;
  }

  /** Reads D1; true when what it holds changed. A failed read keeps the last state (and is the caller's to log). */
  async refresh(): Promise<boolean> {
    const next = await this.uplink.admissionRecords();
    const json = JSON.stringify(next);
    if (json === JSON.stringify(this.current())) return false;
    this.sql.exec("INSERT INTO admission_state (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json", json);
    this.cached = next;
    return true;
  }

  /** The AdmissionState frame of the zone protocol. */
  frame(): { case: "admission"; value: { keys: { kid: string; mesh: string; spki: Uint8Array }[]; revoked: string[] } } {
    const { keys, revoked } = this.current();
    return {
      case: "admission",
      value: { keys: keys.map((k) => ({ kid: k.kid, mesh: k.mesh, spki: Uint8Array.from(atob(k.publicSpki), (c) => c.charCodeAt(0)) })), revoked },
    };
  }
}
