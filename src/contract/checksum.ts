import { keyString, type ResourceKey } from "./resource-types.js";

/**
 * The state checksum carried in every ZoneUpdate (shared/design.md section 3):
 * XOR over all resources of a 64-bit hash of `key@revision`. XOR makes it
 * independent of order and lets both ends update it per change (XOR out the
 * old entry, XOR in the new one) instead of rehashing the whole state, which
 * matters for a zone DO with 10,000 services and a CPU budget per request.
 *
 * @example
 * let sum = EMPTY_CHECKSUM;
 * sum = xorEntry(sum, { kind: "Service", mesh: "default", name: "echo" }, 7);
 */
export const EMPTY_CHECKSUM = "0000000000000000";

export function entryHash(key: ResourceKey, revision: number): string {
  const text = `${keyString(key)}@${revision}`;
  return hex32(fnv1a32(text, 0x811c9dc5)) + hex32(fnv1a32(text, 0x050c5d1f));
}

/** Adds or removes one entry (XOR is its own inverse). */
export function xorEntry(checksum: string, key: ResourceKey, revision: number): string {
  return xorHex(checksum, entryHash(key, revision));
}

export function checksumOf(entries: Iterable<{ key: ResourceKey; revision: number }>): string {
  let sum = EMPTY_CHECKSUM;
  for (const e of entries) sum = xorEntry(sum, e.key, e.revision);
  return sum;
}

function xorHex(a: string, b: string): string {
  const hi = (parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0;
  const lo = (parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)) >>> 0;
  return hex32(hi) + hex32(lo);
}

function fnv1a32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, "0");
}
