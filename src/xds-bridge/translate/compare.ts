/**
 * Plain code-point order. `localeCompare` depends on the host's ICU data and
 * locale; translation output must be byte-identical on every bridge.
 *
 * @example ["b", "a"].sort(compareStrings) // ["a", "b"]
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Two Workloads of different services can publish one socket (one backend
 * registered twice): both yield the server Listener of that address. The
 * first by service name is served, as translateMesh does, so the snapshot
 * stays consistent (unique names).
 */
export function uniqueByName<T extends { name: string }>(sorted: T[]): T[] {
  return sorted.filter((x, i) => i === 0 || sorted[i - 1]!.name !== x.name);
}
