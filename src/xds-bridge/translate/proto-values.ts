import { create } from "@bufbuild/protobuf";
import { DurationSchema, type Duration } from "@bufbuild/protobuf/wkt";
import { AddressSchema, type Address } from "../../../gen/envoy/config/core/v3/address_pb.js";
import { ApiVersion, ConfigSourceSchema, type ConfigSource } from "../../../gen/envoy/config/core/v3/config_source_pb.js";

/**
 * The config source of every dynamic reference (RDS from a listener, EDS from
 * a cluster): the same ADS stream, v3 resources. grpc-js-xds accepts `ads {}`
 * or `self {}`; Envoy accepts both too, `ads` is the common one.
 *
 * @example create(RdsSchema, { configSource: adsConfigSource(), routeConfigName: "echo:8080" })
 */
export function adsConfigSource(): ConfigSource {
  return create(ConfigSourceSchema, {
    configSourceSpecifier: { case: "ads", value: {} },
    resourceApiVersion: ApiVersion.V3,
  });
}

/**
 * A protobuf Duration from whole milliseconds (Gateway API durations have no
 * finer unit).
 *
 * @example durationFromMs(1500) // { seconds: 1n, nanos: 500000000 }
 */
export function durationFromMs(ms: number): Duration {
  return create(DurationSchema, {
    seconds: BigInt(Math.floor(ms / 1000)),
    nanos: (ms % 1000) * 1_000_000,
  });
}

/**
 * A TCP socket address (the protocol defaults to TCP), for endpoints and
 * listeners alike.
 *
 * @example socketAddress("10.0.0.1", 8080).address.value?.portSpecifier // { case: "portValue", value: 8080 }
 */
export function socketAddress(address: string, port: number): Address {
  return create(AddressSchema, {
    address: { case: "socketAddress", value: { address, portSpecifier: { case: "portValue", value: port } } },
  });
}
