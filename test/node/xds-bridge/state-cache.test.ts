import { appendFile, mkdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateResource } from "../../../src/contract/resource-schema.js";
import type { Resource } from "../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../src/contract/zone-model.js";
import { StateCache, type CachedState } from "../../../src/xds-bridge/state-cache.js";
import { decodeRecords, encodeRecord } from "../../../src/xds-bridge/state-cache-log.js";
import { useTempDir } from "../support/temp-dir.js";

const root = useTempDir("edgeplane-state-cache-");
let dirs = 0;
const freshDir = () => join(root, String(++dirs));

const svc = (name: string, port: number): Resource => validateResource({ kind: "Service", metadata: { name, mesh: "default" }, spec: { ports: [{ port }] } });
const workload = (name: string): Resource => validateResource({ kind: "Workload", metadata: { name, mesh: "default" }, spec: { service: "s0", address: "10.0.0.9", port: 9000, zone: "a", health: "healthy" } });

/** What a load must reproduce, as plain data. */
function view(s: { model: ZoneModel; checksum: string; quarantine: Map<string, unknown>; endpoints: unknown }) {
  return { resources: [...s.model.byKey].sort(([a], [b]) => (a < b ? -1 : 1)), revision: s.model.revision, checksum: s.checksum, quarantine: [...s.quarantine], endpoints: s.endpoints };
}

describe("StateCache", () => {
  it("loads exactly the state of every save over a sequence of changes, appending small ones and compacting", async () => {
    const dir = freshDir();
    const cache = new StateCache(dir, "a", 0);
    const model = new ZoneModel();
    let revision = 0;
    for (let i = 0; i < 40; i++) model.put(svc(`s${i}`, 8080), ++revision);
    let endpoints = { version: 0, workloads: [] as Resource[] };
    const quarantine = new Map<string, { revision: number; reason: string }>();
    let appends = 0;
    let fulls = 0;
    for (let step = 0; step < 150; step++) {
      const change = step % 5;
      if (change === 0) model.put(svc(`s${step % 40}`, 9000 + step), ++revision);
      else if (change === 1) model.byKey.delete([...model.byKey.keys()][step % model.byKey.size]!);
      else if (change === 2) model.put(svc(`n${step}`, 7000), ++revision);
      else if (change === 3) endpoints = { version: step, workloads: [workload(`w${step}`)] };
      else quarantine.set(`q${step}`, { revision, reason: "bad" });
      model.revision = revision;
      const fullBefore = await stat(cache.path).then((s) => s.mtimeMs + s.size, () => -1);
      cache.save(model, `c${step}`, quarantine as never, endpoints);
      await cache.flush();
      const fullAfter = (await stat(cache.path)).mtimeMs + (await stat(cache.path)).size;
      if (fullAfter === fullBefore) appends += 1;
      else fulls += 1;
      const loaded = await new StateCache(dir, "a").load();
      expect(view(loaded!), `step ${step}`).toEqual(view({ model, checksum: `c${step}`, quarantine, endpoints }));
    }
    // Most saves only append; the log is still folded in now and then.
    expect(appends).toBeGreaterThan(100);
    expect(fulls).toBeGreaterThan(1);
  });

  it("ignores a torn or corrupt last append and keeps what came before it", async () => {
    const dir = freshDir();
    const cache = new StateCache(dir, "a", 0);
    // Big enough that a one-resource change is appended, not compacted.
    const model = ZoneModel.of(Array.from({ length: 20 }, (_, i) => svc(`s${i}`, 1)).concat([svc("a", 1), svc("b", 2)]));
    cache.save(model, "c1", new Map(), { version: 0, workloads: [] });
    await cache.flush();
    model.put(svc("a", 3), 2);
    model.revision = 2;
    cache.save(model, "c2", new Map(), { version: 0, workloads: [] });
    await cache.flush();
    const whole = await readFile(cache.logPath, "utf8");
    expect(decodeRecords(whole)).toHaveLength(1);
    const expected = view((await new StateCache(dir, "a").load())!);
    expect(expected.checksum).toBe("c2");

    const third = encodeRecord({ generation: decodeRecords(whole)[0]!.generation, revision: 3, checksum: "c3", puts: [], removes: [] });
    // The record as written is applied; every cut of it, and a changed byte in it, reads as the state before it.
    await writeFile(cache.logPath, whole + third);
    expect((await new StateCache(dir, "a").load())!.checksum).toBe("c3");
    for (const cut of [1, 2, 10, third.length - 1]) {
      await writeFile(cache.logPath, whole + third.slice(0, third.length - cut));
      expect(view((await new StateCache(dir, "a").load())!), `cut ${cut}`).toEqual(expected);
    }
    await writeFile(cache.logPath, whole + third.replace("c3", "c4"));
    expect(view((await new StateCache(dir, "a").load())!)).toEqual(expected);
    await truncate(cache.logPath, whole.length - 5);
    expect((await new StateCache(dir, "a").load())!.checksum).toBe("c1");
  });

  it("writes a full file first after a restart, so it never appends after a torn tail", async () => {
    const dir = freshDir();
    const model = ZoneModel.of([svc("a", 1)]);
    const first = new StateCache(dir, "a", 0);
    first.save(model, "c1", new Map(), { version: 0, workloads: [] });
    await first.flush();
    model.put(svc("a", 2), 2);
    first.save(model, "c2", new Map(), { version: 0, workloads: [] });
    await first.flush();
    await appendFile(first.logPath, "12 torn");
    const second = new StateCache(dir, "a", 0);
    const loaded = (await second.load())!;
    expect(loaded.checksum).toBe("c2");
    loaded.model.put(svc("b", 3), 3);
    second.save(loaded.model, "c3", new Map(), { version: 0, workloads: [] });
    await second.flush();
    await expect(stat(second.logPath)).rejects.toThrow();
    expect(view((await new StateCache(dir, "a").load())!)).toEqual(view({ model: loaded.model, checksum: "c3", quarantine: new Map(), endpoints: { version: 0, workloads: [] } }));
  });

  it("loads a cache file written before the log existed, and ignores a log of another generation", async () => {
    const dir = freshDir();
    const cache = new StateCache(dir, "a", 0);
    await mkdir(dir, { recursive: true });
    const old = { format: 2, zone: "a", revision: 5, checksum: "old", savedAt: "2026-01-01T00:00:00.000Z", resources: [{ revision: 5, resource: svc("a", 1) }], quarantine: [], endpoints: { version: 1, workloads: [] } };
    await writeFile(cache.path, JSON.stringify(old));
    await writeFile(cache.logPath, encodeRecord({ generation: 7, revision: 6, checksum: "stale", puts: [], removes: ["Service/default/a"] }));
    const loaded: CachedState = (await cache.load())!;
    expect(loaded.checksum).toBe("old");
    expect(loaded.model.revision).toBe(5);
    expect([...loaded.model.byKey.values()].map((s) => s.resource.metadata.name)).toEqual(["a"]);
  });
});
