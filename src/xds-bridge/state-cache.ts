import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { validateResource } from "../contract/resource-schema.js";
import type { Resource } from "../contract/resource-types.js";
import { ZoneModel, type StoredResource } from "../contract/zone-model.js";
import { decodeRecords, encodeRecord, type ChangeRecord } from "./state-cache-log.js";
import type { Quarantined } from "./zone-mirror.js";

const FORMAT = 2;
/** A log this many records long is folded into the full file, so loading stays quick. */
const COMPACT_EVERY = 100;

interface CacheFile {
  format: number;
  /** Which log extends this file; absent in files written before there was a log (0). */
  generation?: number;
  zone: string;
  revision: number;
  checksum: string;
  savedAt: string;
  resources: { revision: number; resource: Resource }[];
  quarantine: [string, Quarantined][];
  endpoints: { version: number; workloads: Resource[] };
}

export interface CachedState {
  model: ZoneModel;
  checksum: string;
  quarantine: Map<string, Quarantined>;
  endpoints: { version: number; workloads: Resource[] };
}

interface SavedState {
  model: ZoneModel;
  checksum: string;
  quarantine: Map<string, Quarantined>;
  endpoints: { version: number; workloads: Resource[] };
}

/** What is on disk, to write only what differs from it. */
interface Written {
  generation: number;
  resources: Map<string, StoredResource>;
  quarantine: string;
  endpoints: { version: number; workloads: Resource[] };
  records: number;
  logBytes: number;
  fullBytes: number;
}

/**
 * The last good zone state on disk, so a bridge restarted while its zone is
 * unreachable serves its proxies at once (shared/design.md section 6).
 * An update appends what changed to a log (`<path>.log`, one checksummed
 * record per save), so its cost follows the change, not the mesh; the log
 * is folded into the full file every COMPACT_EVERY records or once it
 * outgrows it. Full writes go to a temporary file that is fsynced and
 * renamed over the old one; appends are fsynced and a torn one is detected
 * and ignored: a crash loses at most the last save, never the cache.
 * Saves are coalesced: a burst of updates costs one write.
 *
 * @example
 * const cache = new StateCache("/var/lib/edgeplane", "zone-a");
 * const state = await cache.load();
 */
export class StateCache {
  readonly path: string;
  readonly logPath: string;
  private timer: NodeJS.Timeout | undefined;
  private latest: SavedState | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Undefined until this process wrote a full file: what is on disk then is not known well enough to append to. */
  private written: Written | undefined;
  private generation = 0;

  constructor(dir: string, private readonly zone: string, private readonly delayMs = 100) {
    this.path = join(dir, `zone-${zone}.json`);
    this.logPath = `${this.path}.log`;
  }

  async load(): Promise<CachedState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      const file = JSON.parse(text) as CacheFile;
      if (file.format !== FORMAT || file.zone !== this.zone) return undefined;
      const generation = file.generation ?? 0;
      this.generation = Math.max(this.generation, generation);
      const model = new ZoneModel();
      for (const r of file.resources) model.put(validateResource(r.resource), r.revision);
      model.revision = file.revision;
      const state = { model, checksum: file.checksum, quarantine: new Map(file.quarantine), endpoints: file.endpoints };
      for (const record of await this.readLog()) if (record.generation === generation) applyRecord(state, record);
      const endpoints = { version: state.endpoints.version, workloads: state.endpoints.workloads.map((w) => validateResource(w)) };
      return { ...state, endpoints };
    } catch (err) {
      // A cache we cannot read is set aside, not trusted and not deleted.
      await rename(this.path, `${this.path}.corrupt-${Date.now()}`).catch(() => undefined);
      throw new Error(`cache ${this.path} is unreadable (${String(err)}); moved aside`);
    }
  }

  /** Schedules a save of the state; the newest state wins. */
  save(model: ZoneModel, checksum: string, quarantine: Map<string, Quarantined>, endpoints: { version: number; workloads: Resource[] }): void {
    this.latest = { model, checksum, quarantine, endpoints };
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
  }

  /** Writes any pending state now; resolves when it is on disk. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const state = this.latest;
    this.latest = undefined;
    if (state) {
      this.writing = this.writing.then(async () => {
        try {
          await this.write(state);
        } catch (err) {
          // What reached the disk is unknown: the next save writes it all.
          this.written = undefined;
          throw err;
        }
      });
    }
    return this.writing;
  }

  private async readLog(): Promise<ChangeRecord[]> {
    try {
      return decodeRecords(await readFile(this.logPath, "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  private async write(state: SavedState): Promise<void> {
    const w = this.written;
    const record = w ? changeSince(w, state) : undefined;
    if (w && record) {
      const line = encodeRecord(record);
      const bytes = Buffer.byteLength(line);
      if (w.records + 1 < COMPACT_EVERY && w.logBytes + bytes <= w.fullBytes) {
        await this.append(line);
        this.written = { ...remember(state, w.generation), records: w.records + 1, logBytes: w.logBytes + bytes, fullBytes: w.fullBytes };
        return;
      }
    }
    await this.writeFull(state);
  }

  private async append(line: string): Promise<void> {
    const handle = await open(this.logPath, "a");
    try {
      await handle.writeFile(line);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async writeFull(state: SavedState): Promise<void> {
    // A clock-based generation, not a count from 1: a log left by a process that crashed mid-compaction (or whose file was set aside as corrupt) never matches a file written after it.
    this.generation = Math.max(this.generation + 1, Date.now());
    const { model, checksum, quarantine, endpoints } = state;
    const file: CacheFile = {
      format: FORMAT,
      generation: this.generation,
      zone: this.zone,
      revision: model.revision,
      checksum,
      savedAt: new Date().toISOString(),
      resources: [...model.byKey.values()].map((s) => ({ revision: s.revision, resource: s.resource })),
      quarantine: [...quarantine],
      endpoints,
    };
    const text = JSON.stringify(file);
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}`;
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
    // A crash before this leaves a log of the previous generation, which load ignores.
    await unlink(this.logPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    this.written = { ...remember(state, this.generation), records: 0, logBytes: 0, fullBytes: Buffer.byteLength(text) };
  }
}

function remember(state: SavedState, generation: number): Omit<Written, "records" | "logBytes" | "fullBytes"> {
  return { generation, resources: new Map(state.model.byKey), quarantine: JSON.stringify([...state.quarantine]), endpoints: state.endpoints };
}

/**
 * What changed from what is on disk to `state`. The model replaces a stored
 * resource's object whenever it changes it, so identity tells changed from
 * unchanged without serializing anything.
 */
function changeSince(w: Written, state: SavedState): ChangeRecord {
  const puts: ChangeRecord["puts"] = [];
  const removes: string[] = [];
  for (const [key, s] of state.model.byKey) {
    const before = w.resources.get(key);
    if (before !== s && (before?.revision !== s.revision || before.resource !== s.resource)) puts.push({ key, revision: s.revision, resource: s.resource });
  }
  for (const key of w.resources.keys()) if (!state.model.byKey.has(key)) removes.push(key);
  const record: ChangeRecord = { generation: w.generation, revision: state.model.revision, checksum: state.checksum, puts, removes };
  const quarantine = [...state.quarantine];
  if (JSON.stringify(quarantine) !== w.quarantine) record.quarantine = quarantine;
  if (state.endpoints.version !== w.endpoints.version || state.endpoints.workloads !== w.endpoints.workloads) record.endpoints = state.endpoints;
  return record;
}

/** Replays one record over a loaded state. */
function applyRecord(state: SavedState, record: ChangeRecord): void {
  for (const key of record.removes) state.model.byKey.delete(key);
  for (const p of record.puts) state.model.put(validateResource(p.resource), p.revision);
  state.model.revision = record.revision;
  state.checksum = record.checksum;
  if (record.quarantine) state.quarantine = new Map(record.quarantine);
  if (record.endpoints) state.endpoints = record.endpoints;
}
