/**
 * Where a snapshot stands in each source it was translated from. Each part
 * only grows, so a proxy's ACK of a version_info says how far it got in each.
 */
export interface VersionInfo {
  /** The zone journal revision (the one the API reports rollout status for). */
  readonly revision: number;
  /** The version of the zone's endpoint layer. */
  readonly endpoints: number;
  /** How often this bridge's own discoveries changed: they are served before the zone echoes them. */
  readonly discovery: number;
}

// A decimal count that survives the round trip through Number.
const PART = /^\d{1,15}$/;

/**
 * The version_info of a snapshot: "<revision>.<endpoints>.<discovery>".
 *
 * @example buildVersionInfo({ revision: 12, endpoints: 3, discovery: 1 }) // "12.3.1"
 */
export function buildVersionInfo(v: VersionInfo): string {
  return `${v.revision}.${v.endpoints}.${v.discovery}`;
}

/**
 * The parts a version_info names, or undefined when it names none: "" (a
 * proxy that accepted nothing yet) and anything a misbehaving proxy echoes
 * that is not one to three dot-separated decimal counts. Missing trailing
 * parts are 0, so the shorter forms earlier bridges sent ("12", "12.3") still
 * order correctly against the current one.
 *
 * @example parseVersionInfo("12.3.1") // { revision: 12, endpoints: 3, discovery: 1 }
 * @example parseVersionInfo("12.3")   // { revision: 12, endpoints: 3, discovery: 0 }
 * @example parseVersionInfo("v12")    // undefined
 */
export function parseVersionInfo(text: string): VersionInfo | undefined {
  const parts = text.split(".");
  if (parts.length > 3 || !parts.every((p) => PART.test(p))) return undefined;
  const [revision = 0, endpoints = 0, discovery = 0] = parts.map(Number);
  return { revision, endpoints, discovery };
}

/**
 * The journal revision a version_info names, 0 when it names none: what the
 * zone records per proxy and type.
 *
 * @example journalRevisionOf("12.3.1") // 12
 * @example journalRevisionOf("")       // 0
 */
export function journalRevisionOf(text: string): number {
  return parseVersionInfo(text)?.revision ?? 0;
}

/**
 * Orders two version_info strings: by revision, then endpoint version, then
 * discovery count, each numerically. One that names no version (see
 * parseVersionInfo) comes before every one that does; two such are equal.
 * Negative, zero or positive, like a sort comparator.
 *
 * @example compareVersionInfo("10.0.0", "9.5.5") > 0  // true
 * @example compareVersionInfo("", "0.0.1") < 0        // true
 */
export function compareVersionInfo(a: string, b: string): number {
  const pa = parseVersionInfo(a);
  const pb = parseVersionInfo(b);
  if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0);
  return pa.revision - pb.revision || pa.endpoints - pb.endpoints || pa.discovery - pb.discovery;
}
