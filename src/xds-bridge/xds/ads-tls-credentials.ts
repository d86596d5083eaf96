import * as grpc from "@grpc/grpc-js";

/** How often the serving certificate's files are read again: a renewal is served within this long. */
const REFRESH_MS = 1_000;

/**
 * Credentials of the TLS ADS port: the serving certificate and key come from
 * files (the bridge's own identity, written atomically by the identity
 * manager) through grpc-js's file watcher, so a renewed certificate is
 * served without a restart. Until the files exist the port drops
 * connections. No client certificate is asked for: a sidecar proves what it
 * is with its workload token, sent inside this TLS.
 *
 * @example startAdsServer({ cache, port, credentials: adsTlsCredentials({ cert, key }) });
 */
export function adsTlsCredentials(files: { cert: string; key: string }): grpc.ServerCredentials {
  const identity = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: files.cert,
    privateKeyFile: files.key,
    refreshIntervalMs: REFRESH_MS,
  });
  // The first provider is the identity (grpc-js passes its arguments on in this order); no CA provider: no client certificates.
  return grpc.experimental.createCertificateProviderServerCredentials(identity, null, false);
}
