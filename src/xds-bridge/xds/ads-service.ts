import type * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  DiscoveryRequestSchema,
  DiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";

/** Fully qualified name of the xDS aggregated discovery service. */
export const ADS_SERVICE_NAME = "envoy.service.discovery.v3.AggregatedDiscoveryService";

/** The ADS service for @grpc/grpc-js, encoded with the generated protobuf-es schemas. */
export interface AdsServiceDefinition extends grpc.ServiceDefinition {
  StreamAggregatedResources: grpc.MethodDefinition<DiscoveryRequest, DiscoveryResponse>;
  DeltaAggregatedResources: grpc.MethodDefinition<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
}

function codec<Desc extends DescMessage>(schema: Desc) {
  return {
    // A view, not a copy: toBinary already returned fresh bytes.
    serialize: (message: MessageShape<Desc>): Buffer => {
      const bytes = toBinary(schema, message);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes: Buffer): MessageShape<Desc> => fromBinary(schema, bytes),
  };
}

function bidi<Req extends DescMessage, Res extends DescMessage>(
  method: string,
  request: Req,
  response: Res,
): grpc.MethodDefinition<MessageShape<Req>, MessageShape<Res>> {
  const req = codec(request);
  const res = codec(response);
  return {
    path: `/${ADS_SERVICE_NAME}/${method}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: req.serialize,
    requestDeserialize: req.deserialize,
    responseSerialize: res.serialize,
    responseDeserialize: res.deserialize,
  };
}

/**
 * Both directions are defined, so the same object serves (server.addService)
 * and calls (grpc.Client#makeBidiStreamRequest with its path and codecs).
 *
 * @example
 *   const m = adsServiceDefinition.StreamAggregatedResources;
 *   client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize);
 */
export const adsServiceDefinition: AdsServiceDefinition = {
  StreamAggregatedResources: bidi("StreamAggregatedResources", DiscoveryRequestSchema, DiscoveryResponseSchema),
  DeltaAggregatedResources: bidi("DeltaAggregatedResources", DeltaDiscoveryRequestSchema, DeltaDiscoveryResponseSchema),
};
