import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { TransportSocketSchema, type TransportSocket } from "../../../gen/envoy/config/core/v3/base_pb.js";
import { ListenerSchema, type Listener } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { FilterChainMatchSchema, FilterChainSchema, ListenerFilterSchema } from "../../../gen/envoy/config/listener/v3/listener_components_pb.js";
import { SubjectAltNameMatcher_SanType } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js";
import { TlsInspectorSchema } from "../../../gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js";
import { SecretSchema, type Secret } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { SdsSecretConfigSchema, type SdsSecretConfig } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { spiffeId } from "../../contract/x509/spiffe.js";
import type { MtlsMode } from "./mesh-view.js";
import { adsConfigSource } from "./proto-values.js";

/**
 * SDS names a sidecar's TLS contexts ask for (Istio's spelling): its own
 * certificate and key, and the mesh's trust bundle. They come over the same
 * ADS stream as Secrets, so a rotation is one Secret push: no listener or
 * cluster changes.
 */
export const IDENTITY_SECRET = "default";
export const TRUST_BUNDLE_SECRET = "ROOTCA";
const TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

/** What a sidecar proves itself with: PEM, from the bridge's identity manager. */
export interface SidecarIdentity {
  certificatePem: string;
  privateKeyPem: string;
  trustBundlePem: string;
}

/** The two Secrets of a sidecar's identity. */
export function sidecarSecrets(identity: SidecarIdentity): Secret[] {
  return [
    create(SecretSchema, {
      name: IDENTITY_SECRET,
      type: {
        case: "tlsCertificate",
        value: { certificateChain: { specifier: { case: "inlineString", value: identity.certificatePem } }, privateKey: { specifier: { case: "inlineString", value: identity.privateKeyPem } } },
      },
    }),
    create(SecretSchema, { name: TRUST_BUNDLE_SECRET, type: { case: "validationContext", value: { trustedCa: { specifier: { case: "inlineString", value: identity.trustBundlePem } } } } }),
  ];
}

function sds(name: string): SdsSecretConfig {
  return create(SdsSecretConfigSchema, { name, sdsConfig: adsConfigSource() });
}

/** Outbound: the sidecar's certificate, and the destination checked by exactly its SPIFFE ID against the trust bundle. */
export function sidecarUpstreamTls(mesh: string, destination: string): TransportSocket {
  const context = create(UpstreamTlsContextSchema, {
    commonTlsContext: {
      tlsCertificateSdsSecretConfigs: [sds(IDENTITY_SECRET)],
      validationContextType: {
        case: "combinedValidationContext",
        value: {
          defaultValidationContext: { matchTypedSubjectAltNames: [{ sanType: SubjectAltNameMatcher_SanType.URI, matcher: { matchPattern: { case: "exact", value: spiffeId(mesh, destination) } } }] },
          validationContextSdsSecretConfig: sds(TRUST_BUNDLE_SECRET),
        },
      },
    },
  });
  return create(TransportSocketSchema, { name: TLS_TRANSPORT_SOCKET, configType: { case: "typedConfig", value: anyPack(UpstreamTlsContextSchema, context) } });
}

/** Inbound: the sidecar's certificate; a client certificate from the mesh, required when `requireClientCertificate`. Who may call is RBAC's. */
export function sidecarDownstreamTls(requireClientCertificate: boolean): TransportSocket {
  const context = create(DownstreamTlsContextSchema, {
    commonTlsContext: {
      tlsCertificateSdsSecretConfigs: [sds(IDENTITY_SECRET)],
      validationContextType: { case: "validationContextSdsSecretConfig", value: sds(TRUST_BUNDLE_SECRET) },
    },
    requireClientCertificate,
  });
  return create(TransportSocketSchema, { name: TLS_TRANSPORT_SOCKET, configType: { case: "typedConfig", value: anyPack(DownstreamTlsContextSchema, context) } });
}

/**
 * The inbound listener in `mode`: `strict`, its one filter chain takes only
 * mTLS; `permissive`, a TLS inspector tells TLS from plaintext and a chain
 * for each takes them (the plaintext one has no peer identity, so RBAC
 * refuses it wherever a TrafficPermission targets the service).
 */
export function inboundWithTls(listener: Listener, mode: Exclude<MtlsMode, "disabled">): Listener {
  const [chain] = listener.filterChains;
  if (!chain) return listener;
  const tlsChain = create(FilterChainSchema, { ...chain, name: "mtls", transportSocket: sidecarDownstreamTls(mode === "strict") });
  if (mode === "strict") return create(ListenerSchema, { ...listener, filterChains: [tlsChain] });
  const inspector = create(ListenerFilterSchema, { name: "envoy.filters.listener.tls_inspector", configType: { case: "typedConfig", value: anyPack(TlsInspectorSchema, create(TlsInspectorSchema)) } });
  return create(ListenerSchema, {
    ...listener,
    listenerFilters: [inspector, ...listener.listenerFilters],
    filterChains: [
      create(FilterChainSchema, { ...tlsChain, filterChainMatch: create(FilterChainMatchSchema, { transportProtocol: "tls" }) }),
      create(FilterChainSchema, { ...chain, name: "plaintext", filterChainMatch: create(FilterChainMatchSchema, { transportProtocol: "raw_buffer" }) }),
    ],
  });
}
