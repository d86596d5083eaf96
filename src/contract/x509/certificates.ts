import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { id_ecdsaWithSHA256 } from "@peculiar/asn1-ecc";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { derToP1363, p1363ToDer } from "./ecdsa-der.js";
import { toPem } from "./pem.js";

/**
 * X.509 certificates for a mesh's identities, built with the maintained
 * ASN.1 schemas of @peculiar/asn1-x509 and signed by WebCrypto (ECDSA P-256,
 * SHA-256), so the same code runs in workerd (the zone signs) and in Node
 * (the bridge reads what it got, tests verify). No DER is written by hand.
 */

/** WebCrypto's key, spelled so both workerd's and Node's typings accept it. */
export type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
export interface KeyPair {
  publicKey: Key;
  privateKey: Key;
}

export const EC_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
export const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;
const OID_COMMON_NAME = "2.5.4.3";

export interface IssuedCertificate {
  der: Uint8Array;
  pem: string;
  /** Lowercase hex of the serial number. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * A fresh P-256 key pair, extractable so the private key can be exported
 * (PKCS#8: encrypted at rest by the control plane, written to a 0600 file by
 * a bridge).
 *
 * @example const keys = await generateKeyPair();
 */
export async function generateKeyPair(): Promise<KeyPair> {
  return (await crypto.subtle.generateKey(EC_P256, true, ["sign", "verify"])) as KeyPair;
}

/**
 * A self-signed root for a mesh's CA.
 *
 * @example const root = await selfSignedRoot(keys, "edgeplane mesh default", new Date(), new Date(Date.now() + 10 * 365 * 86400e3));
 */
export async function selfSignedRoot(keys: KeyPair, commonName: string, notBefore: Date, notAfter: Date): Promise<IssuedCertificate> {
  const spki = await spkiOf(keys.publicKey);
  const ski = await keyIdentifier(spki);
  return sign(
    {
      subject: nameOf(commonName),
      issuer: nameOf(commonName),
      spki,
      notBefore,
      notAfter,
      extensions: [
        ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
        ext(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
        ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski)),
      ],
    },
    keys.privateKey,
  );
}

export interface LeafRequest {
  /** The issuing root: its certificate and private key. */
  issuerDer: Uint8Array;
  issuerKey: Key;
  /** The subject's public key (SubjectPublicKeyInfo DER), from its CSR. */
  subjectSpki: ArrayBuffer;
  /** The identity, a URI SAN: `spiffe://<mesh>/<service>`. */
  uri: string;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * A leaf certificate for both ends of mTLS (server and client auth) whose
 * only identity is its URI SAN.
 *
 * @example const leaf = await signLeaf({ issuerDer, issuerKey, subjectSpki, uri: "spiffe://default/echo", commonName: "echo", notBefore, notAfter });
 */
export async function signLeaf(req: LeafRequest): Promise<IssuedCertificate> {
  const issuer = AsnConvert.parse(req.issuerDer, Certificate);
  const issuerSki = await keyIdentifier(AsnConvert.serialize(issuer.tbsCertificate.subjectPublicKeyInfo));
  return sign(
    {
      subject: nameOf(req.commonName),
      issuer: issuer.tbsCertificate.subject,
      spki: req.subjectSpki,
      notBefore: req.notBefore,
      notAfter: req.notAfter,
      extensions: [
        ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
        ext(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment)),
        ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])),
        ext(id_ce_subjectAltName, false, new SubjectAlternativeName([new GeneralName({ uniformResourceIdentifier: req.uri })])),
        ext(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuerSki) })),
      ],
    },
    req.issuerKey,
  );
}

/** What a certificate says, read back. */
export interface CertificateFacts {
  serial: string;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  uris: string[];
  isCa: boolean;
  /** SubjectPublicKeyInfo DER. */
  spki: ArrayBuffer;
}

/**
 * Reads a certificate's identity and validity.
 *
 * @example readCertificate(der).uris // ["spiffe://default/echo"]
 */
export function readCertificate(der: Uint8Array): CertificateFacts {
  const cert = AsnConvert.parse(der, Certificate);
  const tbs = cert.tbsCertificate;
  const extension = (oid: string) => tbs.extensions?.find((e) => e.extnID === oid);
  const san = extension(id_ce_subjectAltName);
  const uris = san ? AsnConvert.parse(san.extnValue, SubjectAlternativeName).flatMap((g) => (g.uniformResourceIdentifier ? [g.uniformResourceIdentifier] : [])) : [];
  const bc = extension(id_ce_basicConstraints);
  return {
    serial: hex(new Uint8Array(tbs.serialNumber)),
    commonName: commonNameOf(tbs.subject),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    uris,
    isCa: bc ? AsnConvert.parse(bc.extnValue, BasicConstraints).cA : false,
    spki: AsnConvert.serialize(tbs.subjectPublicKeyInfo),
  };
}

/**
 * Whether `der` was signed by the key in `issuerSpki`.
 *
 * @example await verifySignature(leaf.der, readCertificate(root.der).spki) // true
 */
export async function verifySignature(der: Uint8Array, issuerSpki: ArrayBuffer): Promise<boolean> {
  const cert = AsnConvert.parse(der, Certificate);
  const key = await crypto.subtle.importKey("spki", issuerSpki, EC_P256, false, ["verify"]);
  return crypto.subtle.verify(ECDSA_SHA256, key, derToP1363(cert.signatureValue), AsnConvert.serialize(cert.tbsCertificate));
}

/** A public key's SubjectPublicKeyInfo DER. */
export async function spkiOf(publicKey: Key): Promise<ArrayBuffer> {
  return crypto.subtle.exportKey("spki", publicKey) as Promise<ArrayBuffer>;
}

interface ToSign {
  subject: Name;
  issuer: Name;
  spki: ArrayBuffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

async function sign(t: ToSign, key: Key): Promise<IssuedCertificate> {
  const serialBytes = crypto.getRandomValues(new Uint8Array(16));
  serialBytes[0] = (serialBytes[0]! & 0x7f) | 0x01; // positive, and no leading zero to trim
  const algorithm = new AlgorithmIdentifier({ algorithm: id_ecdsaWithSHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialBytes.buffer,
    signature: algorithm,
    issuer: t.issuer,
    subject: t.subject,
    validity: new Validity({ notBefore: t.notBefore, notAfter: t.notAfter }),
    subjectPublicKeyInfo: AsnConvert.parse(t.spki, SubjectPublicKeyInfo),
    extensions: new Extensions(t.extensions),
  });
  const tbsDer = AsnConvert.serialize(tbs);
  const signature = p1363ToDer(await crypto.subtle.sign(ECDSA_SHA256, key, tbsDer));
  const der = new Uint8Array(AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: signature })));
  return { der, pem: toPem(der, "CERTIFICATE"), serial: hex(serialBytes), notBefore: t.notBefore, notAfter: t.notAfter };
}

function ext(oid: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function nameOf(commonName: string): Name {
  return new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: OID_COMMON_NAME, value: new AttributeValue({ utf8String: commonName }) })])]);
}

function commonNameOf(name: Name): string {
  for (const rdn of name) for (const atv of rdn) if (atv.type === OID_COMMON_NAME) return atv.value.toString();
  return "";
}

/** RFC 5280's method 1, with SHA-256 cut to 20 bytes (SHA-1 is not in every WebCrypto). */
async function keyIdentifier(spki: ArrayBuffer): Promise<ArrayBuffer> {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return (await crypto.subtle.digest("SHA-256", info.subjectPublicKey)).slice(0, 20);
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
