import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { validateResource } from "../contract/resource-schema.js";
import type { Resource } from "../contract/resource-types.js";
import { ZoneModel } from "../contract/zone-model.js";
import type { Quarantined } from "./zone-mirror.js";

const FORMAT = 2;

interface CacheFile {
  format: number;
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

/**
 * The last good zone state on disk, so a bridge restarted while its zone is
 * unreachable serves its proxies at once (shared/design.md section 6).
 * Writes go to a temporary file that is fsynced and renamed over the old
 * one: a crash mid-write leaves the previous cache, never a torn one.
 * Saves are coalesced: a burst of updates costs one write.
 *
 * @example
 * const cache = new StateCache("/var/lib/edgeplane", "zone-a");
 * const state = await cache.load();
 */
export class StateCache {
  readonly path: string;
  private timer: NodeJS.Timeout | undefined;
  private latest: (() => CacheFile) | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(dir: string, private readonly zone: string, private readonly delayMs = 100) {
    this.path = join(dir, `zone-${zone}.json`);
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
      const model = new ZoneModel();
      for (const r of file.resources) model.put(validateResource(r.resource), r.revision);
      model.revision = file.revision;
      const endpoints = { version: file.endpoints.version, workloads: file.endpoints.workloads.map((w) => validateResource(w)) };
      return { model, checksum: file.checksum, quarantine: new Map(file.quarantine), endpoints };
    } catch (err) {
      // A cache we cannot read is set aside, not trusted and not deleted.
      await rename(this.path, `${this.path}.corrupt-${Date.now()}`).catch(() => undefined);
      throw new Error(`cache ${this.path} is unreadable (${String(err)}); moved aside`);
    }
  }

  /** Schedules a save of the state; the newest state wins. */
  save(model: ZoneModel, checksum: string, quarantine: Map<string, Quarantined>, endpoints: { version: number; workloads: Resource[] }): void {
    this.latest = () => ({
      format: FORMAT,
      zone: this.zone,
      revision: model.revision,
      checksum,
      savedAt: new Date().toISOString(),
      resources: [...model.byKey.values()].map((s) => ({ revision: s.revision, resource: s.resource })),
      quarantine: [...quarantine],
      endpoints,
    });
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
    const build = this.latest;
    this.latest = undefined;
    if (build) this.writing = this.writing.then(() => this.write(build()));
    return this.writing;
  }

  private async write(file: CacheFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp-${process.pid}`;
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(JSON.stringify(file));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }
}
