/**
 * `edgeplane-bridge`: the process entry. Parses the command line, starts a
 * Bridge, stops it cleanly on SIGINT/SIGTERM (flushing the disk cache);
 * `edgeplane-bridge bootstrap ...` prints a proxyless bootstrap instead
 * (bootstrap-command.ts).
 */
import { readFileSync } from "node:fs";
import { BOOTSTRAP_USAGE, BootstrapError, bootstrapFor, parseBootstrapArgs } from "./bootstrap-command.js";
import { Bridge } from "./bridge.js";
import { ConfigError, parseBridgeConfig, USAGE } from "./bridge-config.js";
import { jsonLogger } from "./logger.js";

if (process.argv[2] === "bootstrap") {
  try {
    const opts = parseBootstrapArgs(process.argv.slice(3));
    if (opts === "help") {
      process.stdout.write(BOOTSTRAP_USAGE);
      process.exit(0);
    }
    process.stdout.write(`${JSON.stringify(await bootstrapFor(opts), null, 2)}\n`);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`edgeplane-bridge bootstrap: ${err instanceof Error ? err.message : String(err)}\n${err instanceof BootstrapError || err instanceof TypeError ? `\n${BOOTSTRAP_USAGE}` : ""}`);
    process.exit(err instanceof BootstrapError || err instanceof TypeError ? 2 : 1);
  }
}

let config;
try {
  config = parseBridgeConfig(process.argv.slice(2), process.env, (p) => readFileSync(p, "utf8"));
} catch (err) {
  process.stderr.write(`edgeplane-bridge: ${err instanceof ConfigError || err instanceof TypeError ? err.message : String(err)}\n\n${USAGE}`);
  process.exit(2);
}
if (config === "help") {
  process.stdout.write(USAGE);
  process.exit(0);
}

const log = jsonLogger(config.logLevel);
const bridge = await Bridge.start(config, log);
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    bridge.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("stop_failed", { error: String(err) });
        process.exit(1);
      },
    );
  });
}
