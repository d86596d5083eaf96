import { EMPTY_CHECKSUM, xorEntry } from "../contract/checksum.js";
import { validateResource } from "../contract/resource-schema.js";
import { keyString, type Kind, type Resource, type ResourceKey } from "../contract/resource-types.js";
import { ZoneModel } from "../contract/zone-model.js";
import type { ZoneUpdate } from "../contract/zone-protocol/zone_pb.js";

export type ApplyResult =
  | { ok: true; revision: number; meshes: Set<string>; snapshot: boolean; skipped: { key: string; error: string }[] }
  | { ok: false; reason: string };

/**
 * The bridge's copy of its zone's state. Applies ZoneUpdates (assembling
 * chunks first), keeps the checksum per change the way the zone does, and
 * refuses an update that does not continue from its revision or ends at
 * another checksum: the caller then reconnects asking for a snapshot.
 *
 * A document that fails the shared schema is kept out and reported, never
 * allowed to stall the rest of the update (shared/design.md section 3).
 *
 * @example
 * const r = mirror.apply(update);
 * if (!r.ok) zoneClient.resync(r.reason);
 */
export class ZoneMirror {
  model = new ZoneModel();
  checksum = EMPTY_CHECKSUM;
  /** Resources the zone sent that fail the shared schema (a newer zone, a bug). */
  quarantine = new Map<string, Quarantined>();
  private pending: ZoneUpdate[] = [];
  private readonly decoder = new TextDecoder();

  get revision(): number {
    return this.model.revision;
  }

  /** Replaces the state with one loaded from the disk cache. */
  restore(model: ZoneModel, checksum: string, quarantine = new Map<string, Quarantined>()): void {
    this.model = model;
    this.checksum = checksum;
    this.quarantine = quarantine;
    this.pending = [];
  }

  /** Forgets half-received chunks (the connection dropped mid-update). */
  resetPending(): void {
    this.pending = [];
  }

  apply(chunk: ZoneUpdate): ApplyResult | undefined {
    if (chunk.chunk !== this.pending.length) {
      this.pending = [];
      return { ok: false, reason: `chunk ${chunk.chunk} arrived, expected ${this.pending.length}` };
    }
    this.pending.push(chunk);
    if (chunk.chunk + 1 < chunk.chunks) return undefined;
    const parts = this.pending;
    this.pending = [];
    return this.applyWhole(parts);
  }

  private applyWhole(parts: ZoneUpdate[]): ApplyResult {
    const head = parts[parts.length - 1]!;
    const revision = Number(head.revision);
    const from = Number(head.fromRevision);
    if (!head.snapshot && from !== this.model.revision) {
      return { ok: false, reason: `update continues from ${from}, the bridge is at ${this.model.revision}` };
    }
    // The copy keeps the sorted lists of the kinds this update does not touch.
    const model = head.snapshot ? new ZoneModel() : this.model.clone();
    const quarantine = head.snapshot ? new Map<string, Quarantined>() : new Map(this.quarantine);
    let checksum = head.snapshot ? EMPTY_CHECKSUM : this.checksum;
    const meshes = new Set<string>(head.snapshot ? this.model.meshes() : []);
    const skipped: { key: string; error: string }[] = [];
    const forget = (key: ResourceKey): void => {
      const k = keyString(key);
      const old = model.get(key)?.revision ?? quarantine.get(k)?.revision;
      if (old !== undefined) checksum = xorEntry(checksum, key, old);
      model.remove(key);
      quarantine.delete(k);
    };

    for (const part of parts) {
      for (const u of part.upserts) {
        const key: ResourceKey = { kind: u.kind as Kind, mesh: u.mesh, name: u.name };
        forget(key);
        checksum = xorEntry(checksum, key, Number(u.revision));
        meshes.add(meshOf(key));
        try {
          const resource: Resource = validateResource(JSON.parse(this.decoder.decode(u.document)));
          model.put(resource, Number(u.revision));
        } catch (err) {
          // The zone holds it (so the checksum counts it) but it is not served.
          const error = String(err);
          quarantine.set(keyString(key), { revision: Number(u.revision), error });
          skipped.push({ key: keyString(key), error });
        }
      }
      for (const r of part.removals) {
        const key: ResourceKey = { kind: r.kind as Kind, mesh: r.mesh, name: r.name };
        forget(key);
        meshes.add(meshOf(key));
      }
    }
    if (checksum !== head.checksum) {
      return { ok: false, reason: `checksum ${checksum} after revision ${revision}, the zone says ${head.checksum}` };
    }
    model.revision = revision;
    if (head.snapshot) for (const m of model.meshes()) meshes.add(m);
    this.model = model;
    this.quarantine = quarantine;
    this.checksum = checksum;
    return { ok: true, revision, meshes, snapshot: head.snapshot, skipped };
  }
}

export interface Quarantined {
  revision: number;
  error: string;
}

/** The mesh a change concerns: its own, or the Mesh's name for a Mesh. */
function meshOf(key: ResourceKey): string {
  return key.kind === "Mesh" ? key.name : key.mesh;
}
