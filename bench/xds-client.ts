/**
 * One real proxyless gRPC client (@grpc/grpc-js-xds) in its own process,
 * because grpc-js-xds reads its bootstrap once per process. It resolves
 * xds:///<service> against a bridge and calls the real echo backend behind
 * it: the benchmark only measures once these calls succeed, which shows the
 * bridges serve configuration a real xDS client accepts and uses.
 *
 *   spawned by bench/run.ts: xds-client.ts <ads host:port> <node id> <service>
 */
import { EchoClient } from "../examples/echo/echo-backend.js";
import { registerXdsClient } from "../examples/echo/xds-bootstrap.js";
import { nowMs, serveParent } from "./ipc.js";

export type XdsClientApi = {
  /** Calls until one succeeds (or `timeoutMs`); answers with the backend that replied. */
  call: [{ timeoutMs: number }, { backend: string; ms: number; attempts: number; error?: string }];
};

const [ads = "127.0.0.1:18000", nodeId = "bench-xds-client", service = "echo"] = process.argv.slice(2);
const boot = await registerXdsClient({ serverAddress: ads, nodeId });
const client = new EchoClient(`xds:///${service}`, { deadlineMs: 5_000 });
process.on("exit", () => client.close());

serveParent<XdsClientApi>({
  async call({ timeoutMs }) {
    const started = nowMs();
    let attempts = 0;
    let error = "";
    while (nowMs() - started < timeoutMs) {
      attempts++;
      try {
        const backend = await client.call(`bench ${attempts}`);
        await boot.remove();
        return { backend, ms: nowMs() - started, attempts };
      } catch (err) {
        error = (err as { details?: string }).details ?? String(err);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { backend: "", ms: nowMs() - started, attempts, error };
  },
});
