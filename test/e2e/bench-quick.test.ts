/**
 * `npm run bench -- --quick` as a smoke test: the whole benchmark (wrangler
 * dev, bridges, simulated proxies, grpc-js-xds clients, the naive baseline
 * and the floor lab) runs end to end and writes a report of the expected
 * shape with nonzero counts. No timing thresholds: CI machines vary, and
 * the benchmark reports its targets itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/processes.js";
import type { BenchReport } from "../../bench/report.js";

let dir: string | undefined;
let child: ChildProcess | undefined;

afterAll(async () => {
  // The bench stops everything it started; this only covers a test timeout.
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("runs the quick benchmark and writes a complete report", async () => {
  dir = await mkdtemp(join(tmpdir(), "edgeplane-bench-test-"));
  const out = join(dir, "latest.json");
  child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", "run.ts"), "--quick", "--out", out], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child!.once("exit", resolve));
  expect(code, output.slice(-3000)).toBe(0);
  expect(output).toContain("write -> all affected ACKed p99 (ms)");

  const r = JSON.parse(await readFile(out, "utf8")) as BenchReport;
  expect(r.args.quick).toBe(true);
  for (const phase of [r.ours, r.naive]) {
    expect(phase.connect.ready).toBe(r.args.sizes.proxies);
    expect(phase.changes.length).toBeGreaterThan(0);
    expect(phase.summary.all.changes).toBe(phase.changes.length);
    for (const c of phase.changes) {
      expect(c.affected, `${phase.server} ${c.kind} ${c.service}`).toBeGreaterThan(0);
      expect(c.pushed).toBeGreaterThanOrEqual(c.affected);
      expect(c.wireBytes).toBeGreaterThan(0);
      expect(c.timedOut).toBe(false);
    }
    expect(phase.load.map((p) => p.process).join()).toMatch(/workerd/);
    expect(phase.load.every((p) => p.cpuSec >= 0 && p.rssMiB > 0)).toBe(true);
  }
  expect(r.naive.changes.every((c) => c.pushed === r.args.sizes.proxies)).toBe(true);
  expect(r.identicalConfig.identical).toBe(r.identicalConfig.compared);
  expect(r.realism.length).toBeGreaterThan(0);
  expect(r.realism.every((c) => c.backend.startsWith("echo-"))).toBe(true);
  for (const side of [r.lab.ours, r.lab.floor]) {
    expect(side.map((s) => s.kind)).toEqual(["mesh-wide", "route-weight"]);
    expect(side.every((s) => s.targets > 0 && s.ms.length > 0)).toBe(true);
  }
  expect(r.throughput.alone.sequential.perSec).toBeGreaterThan(0);
  expect(r.throughput.withBridges.concurrent8.perSec).toBeGreaterThan(0);
  expect(r.targets.length).toBeGreaterThanOrEqual(5);
}, 300_000);
