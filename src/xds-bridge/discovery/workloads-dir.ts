import { watch, type FSWatcher } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { validateResource } from "../../contract/resource-schema.js";
import type { ResourceOf } from "../../contract/resource-types.js";
import type { Logger } from "../logger.js";

type Workload = ResourceOf<"Workload">;

/**
 * Workloads declared as files in a directory (the VM / universal case):
 * every *.yaml, *.yml and *.json file, one or more Workload documents each.
 * The directory is watched, and rescanned every `rescanMs` as well, because
 * file watching misses events on some filesystems. A file that does not
 * validate is logged with the field at fault and left out; the others stay.
 * A document's zone is always the bridge's: these workloads run here.
 *
 * @example
 * const dir = new WorkloadsDir("/etc/edgeplane/workloads", "zone-a", log, (ws) => report(ws));
 * await dir.start();
 */
export class WorkloadsDir {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last = "";
  private scanning: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly zone: string,
    private readonly log: Logger,
    private readonly onChange: (workloads: Workload[]) => void,
    private readonly rescanMs = 2_000,
  ) {}

  async start(): Promise<void> {
    await this.rescan();
    try {
      this.watcher = watch(this.dir, () => void this.rescan());
    } catch (err) {
      this.log.warn("workloads_dir_unwatched", { dir: this.dir, error: String(err) });
    }
    this.timer = setInterval(() => void this.rescan(), this.rescanMs);
  }

  stop(): void {
    this.watcher?.close();
    clearInterval(this.timer);
  }

  /** Reads the directory again; calls onChange when the set differs. */
  rescan(): Promise<void> {
    this.scanning = this.scanning.then(() => this.scan()).catch((err: unknown) => {
      this.log.error("workloads_dir_failed", { dir: this.dir, error: String(err) });
    });
    return this.scanning;
  }

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => /\.(ya?ml|json)$/.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      names = [];
    }
    const workloads: Workload[] = [];
    for (const name of names) workloads.push(...(await this.read(join(this.dir, name))));
    const text = JSON.stringify(workloads);
    if (text === this.last) return;
    this.last = text;
    this.log.info("workloads_dir_changed", { dir: this.dir, workloads: workloads.map((w) => w.metadata.name) });
    this.onChange(workloads);
  }

  private async read(path: string): Promise<Workload[]> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      return []; // removed between readdir and read
    }
    const out: Workload[] = [];
    for (const [i, doc] of parseAllDocuments(text).entries()) {
      try {
        if (doc.errors[0]) throw new Error(doc.errors[0].message);
        const value: unknown = doc.toJS();
        if (value === null) continue;
        const r = validateResource(value, "default");
        if (r.kind !== "Workload") throw new Error(`kind ${r.kind}: only Workload documents belong here`);
        if (r.spec.zone !== this.zone) this.log.warn("workload_zone_overridden", { path, name: r.metadata.name, zone: r.spec.zone, bridgeZone: this.zone });
        out.push({ ...r, spec: { ...r.spec, zone: this.zone } });
      } catch (err) {
        const field = (err as { field?: string }).field;
        this.log.error("workload_file_invalid", { path, document: i, field, error: (err as Error).message });
      }
    }
    return out;
  }
}
