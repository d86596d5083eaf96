/**
 * `npm test`: every test, in order of cost: the generated-code check, both typechecks, the Worker suite
 * inside workerd (vitest-pool-workers), then the Node suite (bridge units,
 * golden files, end-to-end runs with wrangler dev, bridges and grpc-js-xds
 * clients). Ends with one line "tests: N passed, N failed".
 *
 * Pass vitest filters after `--`, e.g. `npm test -- test/e2e`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib/processes.js";

const filters = process.argv.slice(2);
const resultsDir = join(ROOT, ".edgeplane", "test-results");
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

function step(name: string, cmd: string, args: string[]): boolean {
  process.stdout.write(`\n== ${name}\n`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: "inherit" });
  process.stdout.write(`== ${name}: ${r.status === 0 ? "ok" : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return r.status === 0;
}

const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const vitest = join(ROOT, "node_modules", "vitest", "vitest.mjs");
const suite = (name: string, config: string) =>
  step(name, process.execPath, [vitest, "run", "--config", config, "--reporter=default", "--reporter=json", `--outputFile.json=${join(resultsDir, `${name}.json`)}`, ...filters]);

let ok = step("generated code", process.execPath, ["--import", "tsx", join(ROOT, "scripts", "check-generated.ts")]);
ok = step("typecheck worker", process.execPath, [tsc, "-p", "tsconfig.json"]) && ok;
ok = step("typecheck node", process.execPath, [tsc, "-p", "tsconfig.node.json"]) && ok;
const workerFilters = filters.filter((f) => f.startsWith("test/worker"));
if (filters.length === 0 || workerFilters.length > 0) ok = suite("worker", "vitest.workers.mts") && ok;
if (filters.length === 0 || filters.some((f) => !f.startsWith("test/worker"))) ok = suite("node", "vitest.node.mts") && ok;

let passed = 0;
let failed = 0;
for (const name of ["worker", "node"]) {
  try {
    const r = JSON.parse(readFileSync(join(resultsDir, `${name}.json`), "utf8")) as { numPassedTests: number; numFailedTests: number };
    passed += r.numPassedTests;
    failed += r.numFailedTests;
  } catch {
    // suite not run (filtered out) or crashed before writing; a crash already failed `ok`
  }
}
if (passed === 0 && failed === 0) ok = false;
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(ok && failed === 0 ? 0 : 1);
