import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { TransportSocketSchema, type TransportSocket } from "../../../gen/envoy/config/core/v3/base_pb.js";
import { CertificateValidationContextSchema, type CertificateValidationContext } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js";
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { spiffeId } from "../../contract/x509/spiffe.js";

/** The certificate provider instance every proxyless bootstrap names (`edgeplane-bridge bootstrap` writes it). */
export const CERTIFICATE_PROVIDER_INSTANCE = "default";
const TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

/**
 * The mesh's mTLS for proxyless gRPC (gRFC A29): certificates come from the
 * bootstrap's `file_watcher` provider (the files the bridge writes), named
 * by instance; grpc-js-xds refuses SDS and inline certificates. The peer is
 * checked by its SPIFFE ID alone (`match_subject_alt_names`, exact).
 *
 * @example upstreamTls("default", "echo") // for clusters of service echo
 */
export function upstreamTls(mesh: string, destination: string): TransportSocket {
  const context = create(UpstreamTlsContextSchema, {
    commonTlsContext: {
      tlsCertificateProviderInstance: { instanceName: CERTIFICATE_PROVIDER_INSTANCE },
      validationContextType: { case: "validationContext", value: meshValidation([spiffeId(mesh, destination)]) },
    },
  });
  return create(TransportSocketSchema, { name: TLS_TRANSPORT_SOCKET, configType: { case: "typedConfig", value: anyPack(UpstreamTlsContextSchema, context) } });
}

/**
 * A server's side: its own certificate, and client certificates checked
 * against the mesh's trust bundle. `requireClientCertificate` in strict
 * mode; in permissive a client may connect without one (grpc-js-xds
 * refuses listener filters, so no TLS inspector can split TLS from
 * plaintext on one port: a proxyless server takes TLS in both modes).
 * Any identity of the mesh is accepted here; who may call is RBAC's.
 */
export function downstreamTls(requireClientCertificate: boolean): TransportSocket {
  const context = create(DownstreamTlsContextSchema, {
    commonTlsContext: {
      tlsCertificateProviderInstance: { instanceName: CERTIFICATE_PROVIDER_INSTANCE },
      validationContextType: { case: "validationContext", value: meshValidation([]) },
    },
    requireClientCertificate,
  });
  return create(TransportSocketSchema, { name: TLS_TRANSPORT_SOCKET, configType: { case: "typedConfig", value: anyPack(DownstreamTlsContextSchema, context) } });
}

function meshValidation(sans: string[]): CertificateValidationContext {
  return create(CertificateValidationContextSchema, {
    caCertificateProviderInstance: { instanceName: CERTIFICATE_PROVIDER_INSTANCE },
    matchSubjectAltNames: sans.map((exact) => ({ matchPattern: { case: "exact" as const, value: exact } })),
  });
}
