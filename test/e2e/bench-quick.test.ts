/**
 * `npm run bench -- --quick` as a smoke test: the whole benchmark (wrangler
 * dev, bridges, simulated proxies, grpc-js-xds clients, the naive baseline
 * and the floor lab) runs end to end and writes a report of the expected
 * shape with nonzero counts. No timing thresholds: CI machines vary, and
 * the benchmark reports its targets itself.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT, spawnGroup } from "../../scripts/lib/processes.js";
import type { BenchReport } from "../../bench/report.js";
import { useLocalSystem } from "./support/use-local-system.js";

const sys = useLocalSystem({});

it("runs the quick benchmark and writes a complete report", async () => {
  const out = join(sys.dir, "latest.json");
  let output = "";
  // The bench stops everything it started; handing it to the fixture only covers a test timeout.
  const bench = sys.track(
    spawnGroup(process.execPath, ["--import", "tsx", join(ROOT, "bench", "run.ts"), "--quick", "--out", out], { name: "bench", onLine: (line) => (output += `${line}\n`) }),
    (b) => b.stop(),
  );
  // "close", not "exit": by then every line of its output has been read.
  const code = await new Promise<number | null>((resolve) => bench.child.once("close", resolve));
  expect(code, output.slice(-3000)).toBe(0);
  expect(output).toContain("write sent -> all affected ACKed p99 (ms)");

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
      // The clock starts before the request is sent, so no ACK can precede it.
      expect(c.allAckedMs).toBeGreaterThan(0);
      expect(c.perProxyMs.p50).toBeGreaterThan(0);
    }
    expect(phase.load.map((p) => p.process).join()).toMatch(/workerd/);
    expect(phase.load.every((p) => p.cpuSec >= 0 && p.rssMiB > 0)).toBe(true);
  }
  expect(r.naive.changes.every((c) => c.pushed === r.args.sizes.proxies)).toBe(true);
  // The per-hop breakdown comes from the product's trace of every change, in the order the hops happen.
  expect(output).toContain("ours, per hop (trace,");
  expect(r.ours.hops.map((h) => h.hop)).toEqual(["committed", "zone notified", "zone applied", "frame sent", "bridge received", "translated", "snapshot published", "first proxy pushed", "last proxy pushed", "last proxy ACKed"]);
  expect(r.ours.hops.every((h) => h.at.n === r.ours.changes.length)).toBe(true);
  expect(r.naive.hops).toEqual([]);
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
