import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "../scripts/lib/processes.js";
import { summarize, table } from "./stats.js";

/** One measured quantity: what the table calls it, and every sample. */
export interface Measure {
  measure: string;
  samples: number[];
}

/**
 * Prints the measures' percentiles as a table on stdout and writes them, with
 * the run's parameters and the raw samples (keyed as in `measures`), to
 * bench/results/<name>.json.
 *
 * @example await writeResult("failover", { rounds }, { failover: { measure: "a unhealthy -> b (ms)", samples: failover } });
 */
export async function writeResult(name: string, parameters: Record<string, unknown>, measures: Record<string, Measure>): Promise<void> {
  const rows = Object.values(measures).map((m) => ({ measure: m.measure, ...summarize(m.samples) }));
  const samples = Object.fromEntries(Object.entries(measures).map(([key, m]) => [key, m.samples]));
  process.stdout.write(`${table(rows)}\n`);
  const dir = join(ROOT, "bench", "results");
  const out = join(dir, `${name}.json`);
  await mkdir(dir, { recursive: true });
  await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), ...parameters, rows, samples }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}
