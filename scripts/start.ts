/**
 * `npm start`: the whole system on this machine. wrangler dev with local D1
 * and Durable Objects (migrations applied), the demo backends, the demo mesh
 * (examples/demo.yaml, applied on the first start only: later starts keep
 * what you changed), and one bridge for zone "default". Ctrl-C stops
 * everything; so does a step that fails.
 *
 * Ports: EDGEPLANE_API_PORT (8787), EDGEPLANE_ADS_PORT (18000),
 * EDGEPLANE_ADMIN_PORT (19000); EDGEPLANE_DEMO_PORTS=auto puts the demo
 * backends on free ports instead of 50061/50062. State and local secrets
 * live in EDGEPLANE_HOME (.edgeplane/): delete it for a fresh start.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { startEchoBackend } from "../examples/echo/echo-backend.js";
import { workloadsIn } from "../examples/echo/backends.js";
import { adminHeaders } from "./lib/api-caller.js";
import { localSecrets } from "./lib/local-secrets.js";
import { freePort } from "./lib/ports.js";
import { ROOT, startBridge, startWrangler } from "./lib/processes.js";
import { issueZoneTokenFile } from "./lib/zone-token.js";
import { startGuide } from "./start-guide.js";

const say = (line: string) => process.stdout.write(`${line}\n`);
const home = process.env.EDGEPLANE_HOME ?? join(ROOT, ".edgeplane");
const demo = join(ROOT, "examples", "demo.yaml");
const stops: (() => Promise<void>)[] = [];

async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop().catch((err: unknown) => say(`(while stopping: ${String(err)})`));
}

/** Fails before anything starts when a port is taken, naming it and its variable. */
async function ensureFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", () => reject(new Error(`port ${port} (${what}) is in use; pick another with ${what}=PORT`)));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

async function main(): Promise<void> {
  const apiPort = Number(process.env.EDGEPLANE_API_PORT ?? 8787);
  const adsPort = Number(process.env.EDGEPLANE_ADS_PORT ?? 18000);
  const adminPort = Number(process.env.EDGEPLANE_ADMIN_PORT ?? 19000);
  const demoWorkloads = workloadsIn(demo);
  const autoPorts = process.env.EDGEPLANE_DEMO_PORTS === "auto";
  const backendPorts = autoPorts ? await Promise.all(demoWorkloads.map(() => freePort())) : demoWorkloads.map((w) => w.port);
  await ensureFree(apiPort, "EDGEPLANE_API_PORT");
  await ensureFree(adsPort, "EDGEPLANE_ADS_PORT");
  await ensureFree(adminPort, "EDGEPLANE_ADMIN_PORT");
  for (const p of backendPorts) await ensureFree(p, "EDGEPLANE_DEMO_PORTS");

  say(`Starting wrangler dev on 127.0.0.1:${apiPort} (local D1 and Durable Objects in ${home}/state) ...`);
  const wrangler = await startWrangler({ port: apiPort, stateDir: join(home, "state"), vars: localSecrets(home) });
  stops.push(() => wrangler.stop());
  const adminTokenFile = join(home, "admin.token");
  writeFileSync(adminTokenFile, `${wrangler.adminToken}\n`, { mode: 0o600 });
  chmodSync(adminTokenFile, 0o600);
  say(`Admin API token (valid 7 days) in ${adminTokenFile}`);
  for (const [i, w] of demoWorkloads.entries()) {
    const backend = await startEchoBackend(w.name, backendPorts[i]!, w.address);
    stops.push(() => backend.close());
    say(`Demo backend ${backend.name} on ${backend.address}`);
  }

  const applied = join(home, "demo-applied");
  if (existsSync(applied)) {
    say(`examples/demo.yaml was applied on an earlier start; your changes since are kept (delete ${home} to start over)`);
  } else {
    const res = await fetch(`${wrangler.url}/v1/apply`, {
      method: "POST",
      headers: { ...adminHeaders(wrangler), "content-type": "application/json" },
      body: JSON.stringify(demoBundle(backendPorts)),
    });
    const answer = (await res.json()) as { results?: { kind: string; name: string; action: string }[] };
    if (!res.ok) throw new Error(`examples/demo.yaml was refused: ${JSON.stringify(answer)}`);
    writeFileSync(applied, `${new Date().toISOString()}\n`);
    say(`Applied examples/demo.yaml: ${answer.results?.map((r) => `${r.kind}/${r.name} ${r.action}`).join(", ")}`);
  }

  // Zones require a token in the bridge's Hello: issue one as an operator would.
  const issued = await issueZoneTokenFile(wrangler, "default", join(home, "zone-default.token"));
  say(`Issued zone token ${issued.id} for zone "default" into ${issued.file}`);
  const bridge = await startBridge({
    zone: "default",
    controlPlane: wrangler.url,
    adsPort,
    cacheDir: join(home, "cache"),
    extraArgs: ["--token-file", issued.file, "--admin-port", String(adminPort)],
  });
  stops.push(() => bridge.stop());
  say(`Bridge for zone "default" serving ADS on ${bridge.adsAddress}`);
  say(startGuide({ apiUrl: wrangler.url, adsAddress: bridge.adsAddress, adminUrl: `http://127.0.0.1:${adminPort}`, adminTokenFile, adminToken: wrangler.adminToken }));
}

/** The demo documents, with the workloads on the ports the backends got. */
function demoBundle(ports: number[]): unknown[] {
  let w = 0;
  return parseAllDocuments(readFileSync(demo, "utf8"))
    .map((d) => d.toJS() as { kind?: string; spec?: { port?: number } } | null)
    .filter((d) => d !== null)
    .map((d) => (d!.kind === "Workload" ? { ...d, spec: { ...d!.spec, port: ports[w++] } } : d));
}

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  say("Stopping ...");
  await stopAll();
  process.exit(code);
};
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  await main();
} catch (err) {
  say(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  await stop(1);
}
