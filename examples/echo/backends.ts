/**
 * Starts a real gRPC echo backend for every Workload in a resource file, on
 * the address and port it names; each answers with its workload's name.
 *
 *   node --import tsx examples/echo/backends.ts examples/demo.yaml
 */
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { startEchoBackend, type EchoBackend } from "./echo-backend.js";

interface WorkloadDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: { address?: string; port?: number };
}

/** The Workloads of a multi-document YAML file, as name/address/port. */
export function workloadsIn(file: string): { name: string; address: string; port: number }[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJS() as WorkloadDoc | null)
    .filter((d): d is WorkloadDoc => d?.kind === "Workload")
    .map((d) => ({ name: d.metadata?.name ?? "", address: d.spec?.address ?? "127.0.0.1", port: d.spec?.port ?? 0 }));
}

export async function startBackendsFor(file: string): Promise<EchoBackend[]> {
  return Promise.all(workloadsIn(file).map((w) => startEchoBackend(w.name, w.port, w.address)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? "examples/demo.yaml";
  const backends = await startBackendsFor(file);
  for (const b of backends) console.log(`echo backend ${b.name} listening on ${b.address}`);
  const stop = () => void Promise.all(backends.map((b) => b.close())).then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
