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
import type { ApiEndpoint } from "../scripts/lib/api-caller.js";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LocalSystem } from "../scripts/lib/local-system.js";
import { ROOT } from "../scripts/lib/processes.js";
import { writeResult } from "./result-file.js";
import { runRounds } from "./rounds.js";

const { values } = parseArgs({ options: { changes: { type: "string", default: "20" } } });
const changes = Number(values.changes);

function runCli(server: ApiEndpoint, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/edgeplane.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, EDGEPLANE_SERVER: server.url, EDGEPLANE_TOKEN: server.adminToken },
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
await LocalSystem.run({ system: "mesh", xdsClient: { nodeId: "bench-apply-wait", warm: true } }, async ({ mesh, dir }) => {
  await runRounds(changes, "change", async (i) => {
    const w = 10 + ((i * 37) % 80);
    const file = join(dir, "route.yaml");
    await writeFile(
      file,
      `kind: HTTPRoute\nmetadata: {name: echo-split}\nspec:\n  parentRefs: [{name: echo, port: 50051}]\n  rules:\n    - backendRefs: [{name: echo-v1, weight: ${w}}, {name: echo-v2, weight: ${100 - w}}]\n      timeouts: {request: 5s}\n`,
    );
    // Not spawnSync: the xDS client lives in this process and must keep ACKing while the CLI waits.
    const run = await runCli(mesh.wrangler, ["apply", "-f", file, "--wait", "--timeout", "30s", "-o", "json"]);
    if (run.status !== 0) throw new Error(`apply --wait exited ${run.status}: ${run.stderr}${run.stdout}`);
    const out = JSON.parse(run.stdout) as { wait?: { result: string; writeToLastAckMs?: number | null }[]; waitedMs?: number };
    const outcome = out.wait?.[0];
    if (outcome?.result !== "acked" || typeof outcome.writeToLastAckMs !== "number" || out.waitedMs === undefined) {
      throw new Error(`no acked outcome with timing in: ${run.stdout}`);
    }
    controlPlane.push(outcome.writeToLastAckMs);
    cliWall.push(out.waitedMs);
  });
});

await writeResult("apply-wait", { changes }, {
  controlPlane: { measure: "write -> last ACK, control plane clock (ms)", samples: controlPlane },
  cliWall: { measure: "apply --wait wall time, request to done (ms)", samples: cliWall },
});
process.exit(0);
