/**
 * `npm start`: the whole system on this machine. wrangler dev with local D1
 * and Durable Objects (migrations applied), the demo backends, the demo mesh
 * (examples/demo.yaml) applied through the API, and one bridge for zone
 * "default". Ctrl-C stops everything.
 *
 * Ports: EDGEPLANE_API_PORT (8787), EDGEPLANE_ADS_PORT (18000). State lives
 * in .edgeplane/ (delete it for a fresh start).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startBackendsFor } from "../examples/echo/backends.js";
import { ROOT, startBridge, startWrangler } from "./lib/processes.js";
import { issueZoneTokenFile } from "./lib/zone-token.js";

const apiPort = Number(process.env.EDGEPLANE_API_PORT ?? 8787);
const adsPort = Number(process.env.EDGEPLANE_ADS_PORT ?? 18000);
const adminPort = Number(process.env.EDGEPLANE_ADMIN_PORT ?? 19000);
const demo = join(ROOT, "examples", "demo.yaml");
const say = (line: string) => process.stdout.write(`${line}\n`);

say(`Starting wrangler dev on 127.0.0.1:${apiPort} (local D1 and Durable Objects in .edgeplane/state) ...`);
const wrangler = await startWrangler({ port: apiPort, stateDir: join(ROOT, ".edgeplane", "state") });
const backends = await startBackendsFor(demo);
for (const b of backends) say(`Demo backend ${b.name} on ${b.address}`);

const res = await fetch(`${wrangler.url}/v1/apply`, {
  method: "POST",
  headers: { "content-type": "application/yaml" },
  body: readFileSync(demo, "utf8"),
});
const applied = (await res.json()) as { revision?: number | null; results?: { kind: string; name: string; action: string }[] };
if (!res.ok) throw new Error(`examples/demo.yaml was refused: ${JSON.stringify(applied)}`);
say(`Applied examples/demo.yaml: ${applied.results?.map((r) => `${r.kind}/${r.name} ${r.action}`).join(", ")}`);

// Zones require a token in the bridge's Hello: issue one as an operator would.
const issued = await issueZoneTokenFile(wrangler.url, "default", join(ROOT, ".edgeplane", "zone-default.token"));
say(`Issued zone token ${issued.id} for zone "default" into .edgeplane/zone-default.token`);

const bridge = await startBridge({
  zone: "default",
  controlPlane: wrangler.url,
  adsPort,
  cacheDir: join(ROOT, ".edgeplane", "cache"),
  extraArgs: ["--token-file", issued.file, "--admin-port", String(adminPort)],
});
say(`Bridge for zone "default" serving ADS on ${bridge.adsAddress}`);
say(`
Edgeplane is running. Try:

  # call the demo through the mesh (80% echo-v1, 20% echo-v2):
  node --import tsx examples/echo/call.ts --ads 127.0.0.1:${adsPort} --calls 100

  # move all traffic to v2, then call again:
  curl -s -X PUT http://127.0.0.1:${apiPort}/v1/meshes/default/httproutes/echo-split \\
    -H 'content-type: application/yaml' --data-binary @- <<'YAML'
  kind: HTTPRoute
  metadata: {name: echo-split}
  spec:
    parentRefs: [{name: echo, port: 50051}]
    rules: [{backendRefs: [{name: echo-v1, weight: 0}, {name: echo-v2, weight: 100}]}]
  YAML

  # the CLI: rollout status, proxies, and what one proxy runs
  node bin/edgeplane.js status httproute echo-split
  node bin/edgeplane.js proxies
  node bin/edgeplane.js config-dump <proxy id from 'proxies'> --bridge http://127.0.0.1:${adminPort}

  # what the zone knows (bridges, proxies, ACK/NACK per type):
  curl -s http://127.0.0.1:${apiPort}/v1/zones/default/status

Ctrl-C stops everything.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  say("Stopping ...");
  await bridge.stop();
  await wrangler.stop();
  await Promise.all(backends.map((b) => b.close()));
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
