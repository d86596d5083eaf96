import type { GrpcStatusName } from "./schema/route-policies.js";

/**
 * The gRPC status a call gets when the HTTP response carries `httpStatus`,
 * from gRPC's own table (doc/http-grpc-status-mapping.md): how an HTTPRoute
 * rule written in HTTP codes (retries) reads for gRPC clients.
 *
 * @example grpcStatusOfHttp(503) // "unavailable"
 * @example grpcStatusOfHttp(500) // "unknown"
 */
export function grpcStatusOfHttp(httpStatus: number): GrpcStatusName {
  switch (httpStatus) {
    case 400:
      return "internal";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission-denied";
    case 404:
      return "unimplemented";
    case 429:
    case 502:
    case 503:
    case 504:
      return "unavailable";
    default:
      return "unknown";
  }
}
