/**
 * Gateway API duration strings ("10s", "500ms", "1h30m"): one to four
 * number+unit parts with units h, m, s, ms, as GEP-2257 defines them.
 *
 * @example parseDurationMs("1m30s") // 90000
 */
const PART = /([0-9]{1,5})(h|ms|m|s)/g;
/** A whole duration; the JSON Schema of duration fields carries it for editors. */
export const DURATION_PATTERN = /^([0-9]{1,5}(h|ms|m|s)){1,4}$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

export function parseDurationMs(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return total;
}
