/**
 * Calls a service through the mesh as a proxyless gRPC client: resolves
 * `xds:///<service>` with @grpc/grpc-js-xds against a bridge's ADS server,
 * makes N calls and prints which backend answered how often.
 *
 *   node --import tsx examples/echo/call.ts --ads 127.0.0.1:18000 --calls 100 [--target xds:///echo] [--mesh default] [--json] [--hold SECONDS]
 *
 * `--hold` keeps the client (and its ADS stream) connected that long after
 * the calls, so `edgeplane proxies` and `config-dump` have a proxy to show.
 */
import { parseArgs } from "node:util";
import { EchoClient } from "./echo-backend.js";
import { writeXdsBootstrap } from "./xds-bootstrap.js";

const { values } = parseArgs({
  options: {
    ads: { type: "string", default: process.env.EDGEPLANE_ADS ?? "127.0.0.1:18000" },
    target: { type: "string", default: "xds:///echo" },
    calls: { type: "string", default: "100" },
    mesh: { type: "string", default: "default" },
    "node-id": { type: "string", default: `demo-client-${process.pid}` },
    json: { type: "boolean", default: false },
    hold: { type: "string", default: "0" },
  },
});

const boot = await writeXdsBootstrap({ serverAddress: values.ads!, nodeId: values["node-id"]!, mesh: values.mesh! });
// grpc-js-xds reads the bootstrap once, when registered: set it first.
process.env.GRPC_XDS_BOOTSTRAP = boot.path;
const xds = await import("@grpc/grpc-js-xds");
xds.register();

const client = new EchoClient(values.target!, { deadlineMs: 10_000 });
const counts: Record<string, number> = {};
const errors: Record<string, number> = {};
for (let i = 0; i < Number(values.calls); i++) {
  try {
    const backend = await client.call(`call ${i}`);
    counts[backend] = (counts[backend] ?? 0) + 1;
  } catch (err) {
    const code = (err as { code?: number; details?: string }).details ?? String(err);
    errors[code] = (errors[code] ?? 0) + 1;
  }
}
if (values.json) {
  process.stdout.write(`${JSON.stringify({ counts, errors })}\n`);
} else {
  console.log(`${values.calls} calls to ${values.target} through ${values.ads}:`);
  for (const [b, n] of Object.entries(counts)) console.log(`  ${b.padEnd(20)} ${n}`);
  for (const [e, n] of Object.entries(errors)) console.log(`  error: ${e} (${n})`);
}
await new Promise((r) => setTimeout(r, Math.max(0, Number(values.hold) || 0) * 1000));
client.close();
await boot.remove();
process.exit(0);
