import { anyPack, anyUnpack, type Any } from "@bufbuild/protobuf/wkt";
import { HttpConnectionManagerSchema, type HttpConnectionManager } from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";

/**
 * HttpConnectionManagers packed into an Any by translation, remembered by
 * that Any: the consistency check (consistency.ts) reads each listener's
 * manager, and decoding the bytes translation has just encoded was most of
 * a mesh-wide change's check (every listener new: ~60 ms per bridge at
 * 1,000 services). Translation never changes a manager once packed, so the
 * message is what the bytes say. An Any from elsewhere (a test, a decoded
 * snapshot) is decoded as before.
 *
 * @example filters: [{ name, configType: { case: "typedConfig", value: packManager(hcm) } }]
 */
const packed = new WeakMap<Any, HttpConnectionManager>();

export function packManager(hcm: HttpConnectionManager): Any {
  const any = anyPack(HttpConnectionManagerSchema, hcm);
  packed.set(any, hcm);
  return any;
}

/** The manager in `any`: the one packed here, or decoded; undefined when `any` holds something else. */
export function unpackManager(any: Any): HttpConnectionManager | undefined {
  return packed.get(any) ?? anyUnpack(any, HttpConnectionManagerSchema);
}
