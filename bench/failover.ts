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
import { parseArgs } from "node:util";
import type { EchoClient } from "../examples/echo/echo-backend.js";
import { LocalSystem } from "../scripts/lib/local-system.js";
import { writeResult } from "./result-file.js";
import { runRounds } from "./rounds.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "10" } } });
const rounds = Number(values.rounds);

/** Calls back to back until `backend` answers; the time it took, in ms. */
async function until(client: EchoClient, backend: string, from: number): Promise<number> {
  for (let i = 0; i < 100_000; i++) {
    if ((await client.call().catch(() => "")) === backend) return Date.now() - from;
  }
  throw new Error(`${backend} never answered`);
}

const failover: number[] = [];
const failback: number[] = [];
await LocalSystem.run({ system: "two-zones", xdsClient: { nodeId: "bench-failover" } }, async ({ zones, client }) => {
  await until(client, "echo-a", Date.now());
  await runRounds(rounds, "round", async () => {
    const t0 = Date.now();
    await zones.a.setHealth("unhealthy");
    failover.push(await until(client, "echo-b", t0));
    const t1 = Date.now();
    await zones.a.setHealth("healthy");
    failback.push(await until(client, "echo-a", t1));
  });
});

await writeResult("failover", { rounds }, {
  failover: { measure: "a unhealthy -> client in a served by b (ms)", samples: failover },
  failback: { measure: "a healthy again -> client back on a (ms)", samples: failback },
});
process.exit(0);
