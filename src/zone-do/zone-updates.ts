import { create } from "@bufbuild/protobuf";
import {
  ResourceKeySchema,
  ResourceSchema,
  type Resource as WireResource,
} from "../contract/zone-protocol/zone_pb.js";
import type { EndpointRow } from "../contract/endpoint-inventory.js";
import { parseKey } from "../contract/resource-types.js";
import type { ZoneResourceRow } from "./zone-storage.js";
import { encodeZoneFrame } from "./zone-link-frames.js";

/** Frames stay far below the 1 MiB WebSocket message limit of Workers. */
export const MAX_FRAME_BYTES = 256 * 1024;

export interface UpdateInput {
  revision: number;
  fromRevision: number;
  snapshot: boolean;
  checksum: string;
  upserts: ZoneResourceRow[];
  /** `kind/mesh/name` keys. */
  removals: string[];
}

/**
 * Encodes one zone change as ZoneMessage frames, splitting the upserts so no
 * frame exceeds `maxFrameBytes`. The bridge applies the change only when the
 * last chunk arrives, so a snapshot is never half-applied. Encoded once and
 * sent as the same bytes to every bridge.
 *
 * @example for (const frame of encodeUpdate(input)) ws.send(frame);
 */
export function encodeUpdate(input: UpdateInput, maxFrameBytes = MAX_FRAME_BYTES): Uint8Array[] {
  const encoder = new TextEncoder();
  const groups: WireResource[][] = [[]];
  let size = 0;
  for (const row of input.upserts) {
    const r = create(ResourceSchema, {
      kind: row.kind,
      mesh: row.mesh,
      name: row.name,
      revision: BigInt(row.revision),
      document: encoder.encode(row.document),
    });
    const rsize = r.document.byteLength + row.key.length + 32;
    if (size + rsize > maxFrameBytes && groups[groups.length - 1]!.length > 0) {
      groups.push([]);
      size = 0;
    }
    groups[groups.length - 1]!.push(r);
    size += rsize;
  }
  const removals = input.removals.map((text) => {
    const key = parseKey(text);
    if (!key) throw new Error(`zone change log holds a malformed key "${text}"`);
    return create(ResourceKeySchema, key);
  });
  return groups.map((upserts, chunk) =>
    encodeZoneFrame({
        msg: {
          case: "update",
          value: {
            revision: BigInt(input.revision),
            fromRevision: BigInt(input.fromRevision),
            snapshot: input.snapshot,
            upserts,
            removals: chunk === groups.length - 1 ? removals : [],
            checksum: input.checksum,
            chunk,
            chunks: groups.length,
          },
        },
      }),
  );
}

/**
 * The zone's endpoint layer as one frame: it is sent whole (a complete set
 * per version), after every change and after each Hello.
 *
 * @example sockets.broadcast([encodeEndpoints(layer.version, layer.all())]);
 */
export function encodeEndpoints(version: number, rows: readonly EndpointRow[]): Uint8Array {
  const encoder = new TextEncoder();
  return encodeZoneFrame({
      msg: {
        case: "endpoints",
        value: {
          version: BigInt(version),
          workloads: rows.map((r) => ({ kind: "Workload", mesh: r.mesh, name: r.name, document: encoder.encode(r.document) })),
        },
      },
    });
}
