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
import { parseArgs } from "node:util";
import { ackOf, splitRoute } from "../scripts/lib/local-mesh.js";
import { LocalSystem } from "../scripts/lib/local-system.js";
import { writeResult } from "./result-file.js";
import { runRounds } from "./rounds.js";

const { values } = parseArgs({ options: { changes: { type: "string", default: "20" } } });
const changes = Number(values.changes);
const CLIENT = "bench-client";

const fromSend: number[] = [];
const fromResponse: number[] = [];
// warm: the client holds the full config before we measure.
await LocalSystem.run({ system: "mesh", xdsClient: { nodeId: CLIENT, warm: true } }, async ({ mesh }) => {
  await runRounds(changes, "change", async (i) => {
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
  });
});

await writeResult("route-change", { changes }, {
  fromSend: { measure: "API write sent -> client ACK (ms)", samples: fromSend },
  fromResponse: { measure: "API response -> client ACK (ms)", samples: fromResponse },
});
process.exit(0);
