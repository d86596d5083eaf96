import { AsnConvert } from "@peculiar/asn1-schema";
import { id_ecdsaWithSHA256 } from "@peculiar/asn1-ecc";
import { CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { EC_P256, ECDSA_SHA256, spkiOf, type Key, type KeyPair } from "./certificates.js";
import { derToP1363, p1363ToDer } from "./ecdsa-der.js";

/**
 * PKCS#10 certificate signing requests: the bridge makes one per identity
 * with a key that never leaves its cluster; the zone reads it, checks its
 * proof of possession (the request's own signature) and signs the public key
 * for the identity the zone decides, whatever the request's subject says.
 */


/**
 * A CSR for `keys`, with `commonName` as subject (informational only).
 *
 * @example const csr = await createCsr(keys, "echo");
 */
export async function createCsr(keys: KeyPair, commonName: string): Promise<Uint8Array> {
  const info = new CertificationRequestInfo({
    subject: new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: "2.5.4.3", value: new AttributeValue({ utf8String: commonName }) })])]),
    subjectPKInfo: AsnConvert.parse(await spkiOf(keys.publicKey), SubjectPublicKeyInfo),
  });
  const signature = p1363ToDer(await crypto.subtle.sign(ECDSA_SHA256, keys.privateKey, AsnConvert.serialize(info)));
  return new Uint8Array(
    AsnConvert.serialize(new CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: id_ecdsaWithSHA256 }), signature })),
  );
}

export type CsrReading = { ok: true; spki: ArrayBuffer } | { ok: false; reason: "malformed" | "unsupported_key" | "bad_signature" };

/**
 * The public key of a CSR, once its signature proves the requester holds
 * the private key. Only ECDSA P-256 keys are taken (what Envoy and gRPC
 * accept for mesh certificates).
 *
 * @example const r = await readCsr(der); if (r.ok) signLeaf({ ..., subjectSpki: r.spki });
 */
export async function readCsr(der: Uint8Array): Promise<CsrReading> {
  let csr: CertificationRequest;
  try {
    csr = AsnConvert.parse(der, CertificationRequest);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const spki = AsnConvert.serialize(csr.certificationRequestInfo.subjectPKInfo);
  let key: Key;
  try {
    key = await crypto.subtle.importKey("spki", spki, EC_P256, true, ["verify"]);
  } catch {
    return { ok: false, reason: "unsupported_key" };
  }
  let valid = false;
  try {
    valid = await crypto.subtle.verify(ECDSA_SHA256, key, derToP1363(csr.signature), AsnConvert.serialize(csr.certificationRequestInfo));
  } catch {
    valid = false;
  }
  return valid ? { ok: true, spki } : { ok: false, reason: "bad_signature" };
}
