import { stdoutLines } from "./log-sink.js";

/**
 * The bridge logs one JSON object per line on stdout: `{"t", "level",
 * "event", ...fields}`. Machines (the end-to-end tests, the benchmark, a log
 * pipeline) read the events; people read them with `jq`.
 *
 * @example log.info("zone_connected", { zone: "default", revision: 12 })
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function jsonLogger(minLevel: Level = "info", write: (line: string) => void = stdoutLines()): Logger {
  const at = (level: Level) => (event: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    write(`${JSON.stringify({ t: Date.now(), level, event, ...fields })}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
