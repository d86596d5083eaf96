/**
 * Mesh identities are SPIFFE IDs. The trust domain is the mesh's name (a
 * DNS label, so a valid trust domain), the path the Service:
 * `spiffe://<mesh>/<service>`. Two meshes never share a trust domain, and
 * an identity says exactly which mesh vouches for it.
 *
 * @example spiffeId("default", "echo") // "spiffe://default/echo"
 */
export function spiffeId(mesh: string, service: string): string {
  return `spiffe://${mesh}/${service}`;
}

/** The mesh and service of a SPIFFE ID this project issues, or undefined. */
export function parseSpiffeId(id: string): { mesh: string; service: string } | undefined {
  const m = /^spiffe:\/\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/.exec(id);
  return m ? { mesh: m[1]!, service: m[3]! } : undefined;
}

/**
 * A bridge's own serving identity for its TLS ADS port. The path has three
 * segments and service names are DNS labels (no "/"), so it can never be a
 * service's identity; parseSpiffeId does not read it as one.
 *
 * @example bridgeSpiffeId("default", "west") // "spiffe://default/zone/west/bridge"
 */
export function bridgeSpiffeId(mesh: string, zone: string): string {
  return `spiffe://${mesh}/zone/${zone}/bridge`;
}
