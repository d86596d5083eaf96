/**
 * How soon a NACK is visible through the API (issue 5: within 1 s). A real
 * @grpc/grpc-js-xds client, in its own process with ring hash switched off
 * (GRPC_XDS_EXPERIMENTAL_ENABLE_RING_HASH=false, read by grpc-js-xds when it
 * loads), NACKs a RingHash BackendPolicy, as in test/e2e/dashboard.test.ts
 * (LeastRequest no longer provokes one: the bridge adds a round-robin fallback
 * entry the client accepts); measured from the bridge seeing the NACK (its log's
 * clock) to GET .../status first showing it (polled every 10 ms, this
 * machine's clock). Each round then restores RoundRobin and waits for the ACK.
 *
 *   node --import tsx bench/nack-visibility.ts [--rounds 10]
 *
 * Prints a table and writes bench/results/nack-visibility.json.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Mesh } from "../scripts/lib/local-mesh.js";
import { LocalSystem } from "../scripts/lib/local-system.js";
import { ROOT } from "../scripts/lib/processes.js";
import { spawnChild } from "./ipc.js";
import type { XdsClientApi } from "./xds-client.js";
import { writeResult } from "./result-file.js";
import { runRounds } from "./rounds.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "10" } } });
const rounds = Number(values.rounds);
const CLIENT = "bench-nack";
const STATUS = "/v1/meshes/default/backendpolicies/echo-v1-lb/status";

const policy = (type: string) => ({ kind: "BackendPolicy", metadata: { name: "echo-v1-lb" }, spec: { targetRef: { kind: "Service", name: "echo-v1" }, loadBalancer: { type } } });

async function stateOf(mesh: Mesh): Promise<string | undefined> {
  const res = await mesh.api("GET", STATUS);
  return (res.body.proxies as { proxyId: string; state: string }[] | undefined)?.find((p) => p.proxyId === CLIENT)?.state;
}

async function until(mesh: Mesh, state: string): Promise<number> {
  for (let i = 0; i < 3_000; i++) {
    if ((await stateOf(mesh)) === state) return Date.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`status never showed ${state}`);
}

const visible: number[] = [];
await LocalSystem.run({ system: "mesh" }, async (sys) => {
  const mesh = sys.mesh;
  const client = spawnChild<XdsClientApi>(join(ROOT, "bench", "xds-client.ts"), [`127.0.0.1:${mesh.adsPort}`, CLIENT, "echo"], CLIENT, {
    GRPC_XDS_EXPERIMENTAL_ENABLE_RING_HASH: "false",
  });
  sys.track(client, (c) => c.stop());
  const warm = await client.call("call", { timeoutMs: 30_000 });
  if (warm.error) throw new Error(`the client's first call failed: ${warm.error}`);
  await runRounds(rounds, "round", async () => {
    const since = mesh.bridge.events.length;
    await mesh.api("PUT", "/v1/meshes/default/backendpolicies/echo-v1-lb", policy("RingHash"));
    const nack = await mesh.bridge.waitFor((e) => e.event === "nack" && e.proxy === CLIENT, 20_000, since);
    visible.push((await until(mesh, "NACK")) - nack.t);
    await mesh.api("PUT", "/v1/meshes/default/backendpolicies/echo-v1-lb", policy("RoundRobin"));
    await until(mesh, "ACK");
  });
});

await writeResult("nack-visibility", { rounds }, {
  visible: { measure: "proxy NACK at the bridge -> visible in GET .../status (ms)", samples: visible },
});
process.exit(0);
