/**
 * Locality failover time (issue 4): two zones on one wrangler dev, a bridge
 * each, a backend registered in each from the bridge's workloads directory,
 * a @grpc/grpc-js-xds client in zone a. Each round marks a's workload
 * unhealthy (rewriting its file) and measures the time until the client's
 * calls are answered by zone b; then restores it and waits for a again.
 *
 *   node --import tsx bench/failover.ts [--rounds 10]
 *
 * Prints a table and writes bench/results/failover.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EchoClient } from "../examples/echo/echo-backend.js";
import { registerXdsClient } from "../examples/echo/xds-bootstrap.js";
import { ROOT } from "../scripts/lib/processes.js";
import { startTwoZones } from "../scripts/lib/two-zones.js";
import { summarize, table } from "./stats.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "10" } } });
const rounds = Number(values.rounds);

const zones = await startTwoZones();
const boot = await registerXdsClient({ serverAddress: `127.0.0.1:${zones.a.adsPort}`, nodeId: "bench-failover" });
const client = new EchoClient("xds:///echo");

/** Calls back to back until `backend` answers; the time it took, in ms. */
async function until(backend: string, from: number): Promise<number> {
  for (let i = 0; i < 100_000; i++) {
    if ((await client.call().catch(() => "")) === backend) return Date.now() - from;
  }
  throw new Error(`${backend} never answered`);
}

const failover: number[] = [];
const failback: number[] = [];
try {
  await until("echo-a", Date.now());
  for (let i = 0; i < rounds; i++) {
    const t0 = Date.now();
    await zones.a.setHealth("unhealthy");
    failover.push(await until("echo-b", t0));
    const t1 = Date.now();
    await zones.a.setHealth("healthy");
    failback.push(await until("echo-a", t1));
    process.stderr.write(`\rround ${i + 1}/${rounds}`);
  }
  process.stderr.write("\n");
} finally {
  client.close();
  await zones.stop();
  await boot.remove();
}

const rows = [
  { measure: "a unhealthy -> client in a served by b (ms)", ...summarize(failover) },
  { measure: "a healthy again -> client back on a (ms)", ...summarize(failback) },
];
process.stdout.write(`${table(rows)}\n`);
const out = join(ROOT, "bench", "results", "failover.json");
await mkdir(join(ROOT, "bench", "results"), { recursive: true });
await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), rounds, rows, samples: { failover, failback } }, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
process.exit(0);
