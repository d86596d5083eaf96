/**
 * How soon a NACK is visible through the API (issue 5: within 1 s). A real
 * @grpc/grpc-js-xds client NACKs a BackendPolicy asking for LeastRequest
 * (valid, but not supported by proxyless gRPC); measured from the bridge
 * seeing the NACK (its log's clock) to GET .../status first showing it
 * (polled every 10 ms, this machine's clock). Each round then restores
 * RoundRobin and waits for the ACK.
 *
 *   node --import tsx bench/nack-visibility.ts [--rounds 10]
 *
 * Prints a table and writes bench/results/nack-visibility.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EchoClient } from "../examples/echo/echo-backend.js";
import { registerXdsClient } from "../examples/echo/xds-bootstrap.js";
import { startMesh } from "../scripts/lib/local-mesh.js";
import { ROOT } from "../scripts/lib/processes.js";
import { summarize, table } from "./stats.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "10" } } });
const rounds = Number(values.rounds);
const CLIENT = "bench-nack";
const STATUS = "/v1/meshes/default/backendpolicies/echo-v1-lb/status";

const mesh = await startMesh();
const boot = await registerXdsClient({ serverAddress: `127.0.0.1:${mesh.adsPort}`, nodeId: CLIENT });
const client = new EchoClient("xds:///echo");
await client.call();

const policy = (type: string) => ({ kind: "BackendPolicy", metadata: { name: "echo-v1-lb" }, spec: { targetRef: { kind: "Service", name: "echo-v1" }, loadBalancer: { type } } });

async function stateOf(): Promise<string | undefined> {
  const res = await mesh.api("GET", STATUS);
  return (res.body.proxies as { proxyId: string; state: string }[] | undefined)?.find((p) => p.proxyId === CLIENT)?.state;
}

async function until(state: string): Promise<number> {
  for (let i = 0; i < 3_000; i++) {
    if ((await stateOf()) === state) return Date.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`status never showed ${state}`);
}

const visible: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const since = mesh.bridge.events.length;
    await mesh.api("PUT", "/v1/meshes/default/backendpolicies/echo-v1-lb", policy("LeastRequest"));
    const nack = await mesh.bridge.waitFor((e) => e.event === "nack" && e.proxy === CLIENT, 20_000, since);
    visible.push((await until("NACK")) - nack.t);
    await mesh.api("PUT", "/v1/meshes/default/backendpolicies/echo-v1-lb", policy("RoundRobin"));
    await until("ACK");
    process.stderr.write(`\rround ${i + 1}/${rounds}`);
  }
  process.stderr.write("\n");
} finally {
  client.close();
  await mesh.stop();
  await boot.remove();
}

const rows = [{ measure: "proxy NACK at the bridge -> visible in GET .../status (ms)", ...summarize(visible) }];
process.stdout.write(`${table(rows)}\n`);
const out = join(ROOT, "bench", "results", "nack-visibility.json");
await mkdir(join(ROOT, "bench", "results"), { recursive: true });
await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), rounds, rows, samples: { visible } }, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
process.exit(0);
