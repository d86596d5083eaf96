/**
 * Seals a mesh CA's private key for D1 and opens it again: AES-256-GCM
 * under a key derived (HKDF-SHA-256) from the Worker secret MESH_CA_SECRET.
 * The mesh and CA id are the additional data, so a sealed key copied to
 * another row or mesh does not open.
 *
 * @example const sealed = await sealKey(env.MESH_CA_SECRET, { mesh, id }, pkcs8);
 */

const INFO = new TextEncoder().encode("edgeplane mesh CA key v1");

async function aesKey(secret: string): Promise<Awaited<ReturnType<typeof crypto.subtle.importKey>>> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: INFO }, material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

function aad(owner: { mesh: string; id: string }): Uint8Array {
  return new TextEncoder().encode(`${owner.mesh}\n${owner.id}`);
}

export async function sealKey(secret: string, owner: { mesh: string; id: string }, pkcs8: ArrayBuffer): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(owner) }, await aesKey(secret), pkcs8));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv, 0);
  out.set(sealed, iv.length);
  let binary = "";
  for (const b of out) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The PKCS#8 key, or undefined when the secret or the owner is not the one it was sealed with. */
export async function openKey(secret: string, owner: { mesh: string; id: string }, sealed: string): Promise<ArrayBuffer | undefined> {
  const bytes = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
  try {
    return await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: aad(owner) }, await aesKey(secret), bytes.slice(12));
  } catch {
    return undefined;
  }
}
