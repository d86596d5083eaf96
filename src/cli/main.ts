/**
 * The `edgeplane` command (bin/edgeplane.js runs this file through tsx).
 * Only wiring: everything testable is in cli.ts.
 */
import { runCli } from "./cli.js";
import { processIo } from "./io.js";

process.exitCode = await runCli(process.argv.slice(2), processIo());
