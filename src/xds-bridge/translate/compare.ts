/**
 * Plain code-point order. `localeCompare` depends on the host's ICU data and
 * locale; translation output must be byte-identical on every bridge.
 *
 * @example ["b", "a"].sort(compareStrings) // ["a", "b"]
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
