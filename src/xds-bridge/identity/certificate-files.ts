import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where one identity's files live: `<certsDir>/<mesh>/<service>/{cert,key,ca}.pem`. */
export interface CertificatePaths {
  dir: string;
  cert: string;
  key: string;
  ca: string;
}

export function certificatePaths(certsDir: string, mesh: string, service: string): CertificatePaths {
  const dir = join(certsDir, mesh, service);
  return { dir, cert: join(dir, "cert.pem"), key: join(dir, "key.pem"), ca: join(dir, "ca.pem") };
}

/**
 * Writes an identity's certificate, key and trust bundle where gRPC's
 * `file_watcher` certificate provider reads them. Each file is written to a
 * temporary name and renamed over the old one, so a reader sees the old file
 * or the new one, never half of one; the key is written before the
 * certificate, so a watcher that sees the new certificate finds its key.
 * Files are 0600 and the folders 0700: the key is for this user only.
 *
 * @example writeCertificateFiles(paths, { certPem, keyPem, caPem });
 */
export function writeCertificateFiles(paths: CertificatePaths, pems: { certPem: string; keyPem: string; caPem: string }): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  const put = (path: string, text: string) => {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, path);
  };
  put(paths.key, pems.keyPem);
  put(paths.ca, pems.caPem);
  put(paths.cert, pems.certPem);
}

/** The services' identities with files under `certsDir` (a restarted bridge holds them again); "_" folders (the bridge's own) are not services. */
export function existingIdentities(certsDir: string): { mesh: string; service: string }[] {
  if (!existsSync(certsDir)) return [];
  const found: { mesh: string; service: string }[] = [];
  for (const mesh of readdirSync(certsDir, { withFileTypes: true })) {
    if (!mesh.isDirectory()) continue;
    for (const service of readdirSync(join(certsDir, mesh.name), { withFileTypes: true })) {
      if (service.isDirectory() && !service.name.startsWith("_") && existsSync(join(certsDir, mesh.name, service.name, "cert.pem"))) found.push({ mesh: mesh.name, service: service.name });
    }
  }
  return found;
}
