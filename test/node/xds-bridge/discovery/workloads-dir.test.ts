/**
 * One of the bridge's two workload sources (issue 4): a watched directory of
 * Workload documents.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WorkloadsDir } from "../../../../src/xds-bridge/discovery/workloads-dir.js";
import { jsonLogger } from "../../../../src/xds-bridge/logger.js";
import { waitFor } from "../../support/wait.js";

const lines: string[] = [];
const log = jsonLogger("debug", (l) => lines.push(l));
let dir: string | undefined;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("WorkloadsDir", () => {
  it("reads Workload files, keeps the bridge's zone, skips an invalid file with its field, and follows changes", async () => {
    dir = await mkdtemp(join(tmpdir(), "workloads-"));
    await writeFile(join(dir, "a.yaml"), "kind: Workload\nmetadata: {name: a}\nspec: {service: echo, address: 10.0.0.1, port: 80, zone: elsewhere}\n");
    await writeFile(join(dir, "bad.yaml"), "kind: Workload\nmetadata: {name: bad}\nspec: {service: echo, address: not-an-ip, port: 80, zone: z}\n");
    await writeFile(join(dir, "notes.txt"), "not a workload");
    const seen: string[][] = [];
    const watcher = new WorkloadsDir(dir, "zone-a", log, (ws) => seen.push(ws.map((w) => `${w.metadata.name}@${w.spec.zone}:${w.spec.health ?? "healthy"}`)), 100);
    await watcher.start();
    expect(seen).toEqual([["a@zone-a:healthy"]]);
    expect(lines.some((l) => l.includes("workload_file_invalid") && l.includes("spec.address"))).toBe(true);

    await writeFile(join(dir, "a.yaml"), "kind: Workload\nmetadata: {name: a}\nspec: {service: echo, address: 10.0.0.1, port: 80, zone: zone-a, health: unhealthy}\n");
    await waitFor(() => seen.length === 2 || undefined, { timeoutMs: 5_000 });
    expect(seen[1]).toEqual(["a@zone-a:unhealthy"]);
    await rm(join(dir, "a.yaml"));
    await waitFor(() => seen.length === 3 || undefined, { timeoutMs: 5_000 });
    expect(seen[2]).toEqual([]);
    watcher.stop();
  });
});
