/**
 * Write -> ACK latency of a route change through the whole local system
 * (issue 3): wrangler dev + bridge + real backends + a @grpc/grpc-js-xds
 * client. For each change: the time from sending the API write (and from its
 * response) to the bridge seeing the client ACK the new RouteConfiguration,
 * both read from this machine's clock.
 *
 *   node --import tsx bench/route-change.ts [--changes 20]
 *
 * Prints a table and writes bench/results/route-change.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EchoClient } from "../examples/echo/echo-backend.js";
import { registerXdsClient } from "../examples/echo/xds-bootstrap.js";
import { ackOf, splitRoute, startMesh } from "../scripts/lib/local-mesh.js";
import { ROOT } from "../scripts/lib/processes.js";
import { summarize, table } from "./stats.js";

const { values } = parseArgs({ options: { changes: { type: "string", default: "20" } } });
const changes = Number(values.changes);
const CLIENT = "bench-client";

const mesh = await startMesh();
const boot = await registerXdsClient({ serverAddress: `127.0.0.1:${mesh.adsPort}`, nodeId: CLIENT });
const client = new EchoClient("xds:///echo");
await client.call(); // the client holds the full config before we measure

const fromSend: number[] = [];
const fromResponse: number[] = [];
try {
  for (let i = 0; i < changes; i++) {
    const w = 10 + ((i * 37) % 80);
    const since = mesh.bridge.events.length;
    const sent = Date.now();
    const put = await mesh.api("PUT", "/v1/meshes/default/httproutes/echo-split", splitRoute([w, 100 - w]));
    const answered = Date.now();
    if (put.status !== 200) throw new Error(`write refused: ${JSON.stringify(put.body)}`);
    const revision = (put.body.metadata as { revision: number }).revision;
    const ack = await mesh.bridge.waitFor(ackOf(CLIENT, "RouteConfiguration", revision), 20_000, since);
    fromSend.push(ack.t - sent);
    fromResponse.push(ack.t - answered);
    process.stdout.write(`\rchange ${i + 1}/${changes}`);
  }
  process.stdout.write("\n");
} finally {
  client.close();
  await mesh.stop();
  await boot.remove();
}

const rows = [
  { measure: "API write sent -> client ACK (ms)", ...summarize(fromSend) },
  { measure: "API response -> client ACK (ms)", ...summarize(fromResponse) },
];
process.stdout.write(`${table(rows)}\n`);
const out = join(ROOT, "bench", "results", "route-change.json");
await mkdir(join(ROOT, "bench", "results"), { recursive: true });
await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), changes, rows, samples: { fromSend, fromResponse } }, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
process.exit(0);
