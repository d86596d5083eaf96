import { stringify } from "yaml";
import type { OutputFormat } from "./args.js";

/**
 * Machine output: the API's answer as it came, in JSON (two-space indent) or
 * YAML, always ending in a newline.
 *
 * @example renderData({ a: 1 }, "yaml") // "a: 1\n"
 */
export function renderData(value: unknown, format: Exclude<OutputFormat, "table">): string {
  if (format === "json") return `${JSON.stringify(value, null, 2)}\n`;
  return stringify(value, { lineWidth: 0 });
}

/**
 * A JSON value on one line, for diff lines and table cells.
 *
 * @example inlineValue({ name: "v1", weight: 80 }) // '{"name":"v1","weight":80}'
 */
export function inlineValue(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value);
}

/**
 * How long ago, kubectl style: 42s, 5m, 3h, 2d. Empty when unknown.
 *
 * @example age("2025-01-01T00:00:00Z", Date.parse("2025-01-01T00:05:00Z")) // "5m"
 */
export function age(iso: string | undefined, nowMs: number): string {
  const t = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.floor((nowMs - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** "yes"/"no" reads better than true/false in a table. */
export function yesNo(b: boolean): string {
  return b ? "yes" : "no";
}
