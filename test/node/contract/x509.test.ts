import { X509Certificate, createPublicKey, createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type KeyPair, generateKeyPair, readCertificate, selfSignedRoot, signLeaf, spkiOf, verifySignature } from "../../../src/contract/x509/certificates.js";
import { createCsr, readCsr } from "../../../src/contract/x509/csr.js";
import { fromPem, toPem } from "../../../src/contract/x509/pem.js";
import { parseSpiffeId, spiffeId } from "../../../src/contract/x509/spiffe.js";

// OpenSSL (through node:crypto) is the independent reader: what the contract
// builds with @peculiar's schemas and WebCrypto must be a certificate OpenSSL
// parses, chains and verifies, or Envoy and gRPC would refuse it too.

const HOUR = 3600e3;

async function rootAndLeaf() {
  const caKeys = await generateKeyPair();
  const now = Date.now();
  const root = await selfSignedRoot(caKeys, "edgeplane mesh default", new Date(now - 60e3), new Date(now + 24 * HOUR));
  const leafKeys = await generateKeyPair();
  const csr = await createCsr(leafKeys, "echo");
  const reading = await readCsr(csr);
  if (!reading.ok) throw new Error(`csr refused: ${reading.reason}`);
  const leaf = await signLeaf({
    issuerDer: root.der,
    issuerKey: caKeys.privateKey,
    subjectSpki: reading.spki,
    uri: spiffeId("default", "echo"),
    commonName: "echo",
    notBefore: new Date(now - 60e3),
    notAfter: new Date(now + HOUR),
  });
  return { caKeys, root, leafKeys, leaf };
}

describe("x509 certificates", () => {
  it("builds a root and a leaf that OpenSSL chains, with the SPIFFE ID as the only SAN", async () => {
    const { root, leaf, leafKeys } = await rootAndLeaf();
    const rootX = new X509Certificate(root.pem);
    const leafX = new X509Certificate(leaf.pem);
    expect(rootX.ca).toBe(true);
    expect(leafX.ca).toBe(false);
    expect(rootX.verify(rootX.publicKey)).toBe(true);
    expect(leafX.verify(rootX.publicKey)).toBe(true);
    expect(leafX.checkIssued(rootX)).toBe(true);
    expect(leafX.subjectAltName).toBe("URI:spiffe://default/echo");
    expect(leafX.serialNumber.toLowerCase()).toBe(leaf.serial);
    expect(leafX.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    // The leaf carries the CSR's key: the bridge's private key matches it.
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey));
    const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
    expect(leafX.checkPrivateKey(priv)).toBe(true);
  });

  it("reads back what it signed and checks signatures against the right key only", async () => {
    const { root, leaf, caKeys } = await rootAndLeaf();
    const facts = readCertificate(leaf.der);
    expect(facts).toMatchObject({ serial: leaf.serial, commonName: "echo", uris: ["spiffe://default/echo"], isCa: false });
    expect(facts.notAfter.getTime()).toBe(Math.floor(leaf.notAfter.getTime() / 1000) * 1000);
    expect(await verifySignature(leaf.der, readCertificate(root.der).spki)).toBe(true);
    const other = await generateKeyPair();
    expect(await verifySignature(leaf.der, await spkiOf(other.publicKey))).toBe(false);
    expect(readCertificate(root.der).isCa).toBe(true);
    expect(Buffer.from(readCertificate(root.der).spki)).toEqual(Buffer.from(await spkiOf(caKeys.publicKey)));
  });

  it("refuses CSRs that are not DER, carry a non-P-256 key or a signature that does not match", async () => {
    expect(await readCsr(new TextEncoder().encode("not a csr"))).toEqual({ ok: false, reason: "malformed" });
    const good = await createCsr(await generateKeyPair(), "echo");
    const tampered = Uint8Array.from(good);
    tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 0xff; // inside the signature
    expect(await readCsr(tampered)).toEqual({ ok: false, reason: "bad_signature" });
    const p384 = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, ["sign", "verify"])) as KeyPair;
    // The builder makes P-256 CSRs only: swap a P-384 key into a good one through the same schema.
    const spki = await crypto.subtle.exportKey("spki", p384.publicKey);
    expect(createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
    const { AsnConvert } = await import("@peculiar/asn1-schema");
    const { CertificationRequest } = await import("@peculiar/asn1-csr");
    const { SubjectPublicKeyInfo } = await import("@peculiar/asn1-x509");
    const csr = AsnConvert.parse(good, CertificationRequest);
    csr.certificationRequestInfo.subjectPKInfo = AsnConvert.parse(spki, SubjectPublicKeyInfo);
    expect(await readCsr(new Uint8Array(AsnConvert.serialize(csr)))).toEqual({ ok: false, reason: "unsupported_key" });
  });

  it("PEM round-trips bundles of several certificates", async () => {
    const a = await rootAndLeaf();
    const b = await rootAndLeaf();
    const bundle = a.root.pem + b.root.pem;
    const blocks = fromPem(bundle, "CERTIFICATE");
    expect(blocks.map((d) => Buffer.from(d))).toEqual([Buffer.from(a.root.der), Buffer.from(b.root.der)]);
    expect(toPem(blocks[0]!, "CERTIFICATE")).toBe(a.root.pem);
    expect(fromPem(bundle, "PRIVATE KEY")).toEqual([]);
  });

  it("names identities spiffe://<mesh>/<service> and parses only those", () => {
    expect(spiffeId("default", "echo")).toBe("spiffe://default/echo");
    expect(parseSpiffeId("spiffe://default/echo")).toEqual({ mesh: "default", service: "echo" });
    for (const bad of ["spiffe://default/echo/extra", "spiffe://Default/echo", "https://default/echo", "spiffe://default/"]) expect(parseSpiffeId(bad)).toBeUndefined();
  });
});
