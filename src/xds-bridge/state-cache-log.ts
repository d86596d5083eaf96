import { createHash } from "node:crypto";
import type { Resource } from "../contract/resource-types.js";
import type { Quarantined } from "./zone-mirror.js";

/**
 * One update appended to the disk cache's change log: what changed since
 * the previous record (or the full file), enough to rebuild the state the
 * bridge had. `generation` names the full file the log extends, so a log
 * left behind by a crash during compaction is not applied to a newer file.
 */
export interface ChangeRecord {
  generation: number;
  revision: number;
  checksum: string;
  /** Resources added or changed, by model key. */
  puts: { key: string; revision: number; resource: Resource }[];
  /** Model keys removed. */
  removes: string[];
  /** Whole, but only when it changed (it is small next to the resources, or absent). */
  quarantine?: [string, Quarantined][];
  endpoints?: { version: number; workloads: Resource[] };
}

/**
 * A record as one line: `<byte length> <sha256 prefix> <json>\n`. An append
 * torn by a crash fails the length or the checksum, so it is told apart
 * from a whole one.
 *
 * @example encodeRecord(record) // "123 9f86d081884c7d65 {...}\n"
 */
export function encodeRecord(record: ChangeRecord): string {
  const json = JSON.stringify(record);
  return `${Buffer.byteLength(json)} ${digest(json)} ${json}\n`;
}

/**
 * The whole records at the start of a log, in order; reading stops at the
 * first torn or corrupt one (nothing after it can be trusted to follow it).
 *
 * @example decodeRecords(encodeRecord(a) + encodeRecord(b).slice(0, 10)) // [a]
 */
export function decodeRecords(text: string): ChangeRecord[] {
  const out: ChangeRecord[] = [];
  const bytes = Buffer.from(text, "utf8");
  let at = 0;
  while (at < bytes.length) {
    const space1 = bytes.indexOf(0x20, at);
    const space2 = space1 < 0 ? -1 : bytes.indexOf(0x20, space1 + 1);
    if (space2 < 0) break;
    const length = Number(bytes.subarray(at, space1).toString("utf8"));
    const sum = bytes.subarray(space1 + 1, space2).toString("utf8");
    const end = space2 + 1 + length;
    if (!Number.isSafeInteger(length) || length < 0 || end >= bytes.length || bytes[end] !== 0x0a) break;
    const json = bytes.subarray(space2 + 1, end).toString("utf8");
    if (digest(json) !== sum) break;
    try {
      out.push(JSON.parse(json) as ChangeRecord);
    } catch {
      break;
    }
    at = end + 1;
  }
  return out;
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
