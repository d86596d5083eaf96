/**
 * Write -> ACK as `edgeplane apply --wait` sees it (issue 5): the real CLI,
 * as a child process, against wrangler dev + bridge + a @grpc/grpc-js-xds
 * client holding the demo's config. Each round applies a changed HTTPRoute
 * and waits until every affected proxy ACKed it. Reports the control plane's
 * write-to-last-ACK time and the CLI's own wall time (request to done).
 *
 *   node --import tsx bench/apply-wait.ts [--changes 20]
 *
 * Prints a table and writes bench/results/apply-wait.json.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EchoClient } from "../examples/echo/echo-backend.js";
import { registerXdsClient } from "../examples/echo/xds-bootstrap.js";
import { startMesh } from "../scripts/lib/local-mesh.js";
import { ROOT } from "../scripts/lib/processes.js";
import { summarize, table } from "./stats.js";

const { values } = parseArgs({ options: { changes: { type: "string", default: "20" } } });
const changes = Number(values.changes);

const mesh = await startMesh();
const dir = await mkdtemp(join(tmpdir(), "apply-wait-"));
const boot = await registerXdsClient({ serverAddress: `127.0.0.1:${mesh.adsPort}`, nodeId: "bench-apply-wait" });
const client = new EchoClient("xds:///echo");
await client.call();

function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/edgeplane.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, EDGEPLANE_SERVER: mesh.wrangler.url },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

const controlPlane: number[] = [];
const cliWall: number[] = [];
try {
  for (let i = 0; i < changes; i++) {
    const w = 10 + ((i * 37) % 80);
    const file = join(dir, "route.yaml");
    await writeFile(
      file,
      `kind: HTTPRoute\nmetadata: {name: echo-split}\nspec:\n  parentRefs: [{name: echo, port: 50051}]\n  rules:\n    - backendRefs: [{name: echo-v1, weight: ${w}}, {name: echo-v2, weight: ${100 - w}}]\n      timeouts: {request: 5s}\n`,
    );
    // Not spawnSync: the xDS client lives in this process and must keep ACKing while the CLI waits.
    const run = await runCli(["apply", "-f", file, "--wait", "--timeout", "30s", "-o", "json"]);
    if (run.status !== 0) throw new Error(`apply --wait exited ${run.status}: ${run.stderr}${run.stdout}`);
    const out = JSON.parse(run.stdout) as { wait?: { result: string; writeToLastAckMs?: number | null }[]; waitedMs?: number };
    const outcome = out.wait?.[0];
    if (outcome?.result !== "acked" || typeof outcome.writeToLastAckMs !== "number" || out.waitedMs === undefined) {
      throw new Error(`no acked outcome with timing in: ${run.stdout}`);
    }
    controlPlane.push(outcome.writeToLastAckMs);
    cliWall.push(out.waitedMs);
    process.stderr.write(`\rchange ${i + 1}/${changes}`);
  }
  process.stderr.write("\n");
} finally {
  client.close();
  await mesh.stop();
  await boot.remove();
  await rm(dir, { recursive: true, force: true });
}

const rows = [
  { measure: "write -> last ACK, control plane clock (ms)", ...summarize(controlPlane) },
  { measure: "apply --wait wall time, request to done (ms)", ...summarize(cliWall) },
];
process.stdout.write(`${table(rows)}\n`);
const outFile = join(ROOT, "bench", "results", "apply-wait.json");
await mkdir(join(ROOT, "bench", "results"), { recursive: true });
await writeFile(outFile, `${JSON.stringify({ at: new Date().toISOString(), changes, rows, samples: { controlPlane, cliWall } }, null, 2)}\n`);
process.stdout.write(`wrote ${outFile}\n`);
process.exit(0);
