/**
 * Part of `npm test`: fails when committed generated code differs from what
 * `npm run gen` produces, so nobody edits it by hand. Skipped (and says so)
 * on a platform without the buf binary.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bufBinary, compareGenerated } from "./lib/codegen.js";

if (!bufBinary()) {
  process.stdout.write("generated code not checked: no buf binary for this platform (linux-x64 only)\n");
  process.exit(process.env.CI ? 1 : 0);
}
const scratch = mkdtempSync(join(tmpdir(), "edgeplane-gen-"));
try {
  const problems = compareGenerated(scratch);
  for (const p of problems) process.stdout.write(`${p}\n`);
  if (problems.length > 0) {
    process.stdout.write("generated code is out of date or edited by hand: run `npm run gen` and commit the result\n");
    process.exit(1);
  }
  process.stdout.write("generated code matches npm run gen\n");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
