import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import { anyPack, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ListenerFilterSchema, type ListenerFilter } from "../../gen/envoy/config/listener/v3/listener_components_pb.js";

/*
 * envoy.extensions.filters.listener.original_dst.v3.OriginalDst is not among
 * the generated Envoy types (buf.gen.yaml). It is an empty message, so a
 * hand-written descriptor cannot disagree with Envoy's: only the full name
 * goes on the wire (in the Any's type URL). Replace with the generated schema
 * once original_dst.proto is added to the code generation.
 */
const ORIGINAL_DST_TYPE = "envoy.extensions.filters.listener.original_dst.v3.OriginalDst";

const file = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "envoy/extensions/filters/listener/original_dst/v3/original_dst.proto",
    package: "envoy.extensions.filters.listener.original_dst.v3",
    syntax: "proto3",
    messageType: [{ name: "OriginalDst" }],
  }),
  () => undefined,
);

function describe(): DescMessage {
  const desc = file.getMessage(ORIGINAL_DST_TYPE);
  if (!desc) throw new Error(`${ORIGINAL_DST_TYPE} missing from its own descriptor`);
  return desc;
}

/**
 * The schema of the original_dst listener filter's config, for registries
 * that render or validate sidecar listeners.
 *
 * @example createRegistry(HttpConnectionManagerSchema, RouterSchema, OriginalDstSchema)
 */
export const OriginalDstSchema: DescMessage = describe();

/**
 * The listener filter that reads SO_ORIGINAL_DST from a connection iptables
 * redirected, so the listener can hand it to the listener of the address
 * the app actually dialed (`use_original_dst`). Without it, every captured
 * connection would look addressed to the capture port itself.
 *
 * @example originalDstFilter().name // "envoy.filters.listener.original_dst"
 */
export function originalDstFilter(): ListenerFilter {
  return create(ListenerFilterSchema, {
    name: "envoy.filters.listener.original_dst",
    configType: { case: "typedConfig", value: anyPack(OriginalDstSchema, create(OriginalDstSchema)) },
  });
}
