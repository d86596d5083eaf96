import { describe, expect, it } from "vitest";
import { generateKeyPair, readCertificate, selfSignedRoot, signLeaf, verifySignature } from "../../src/contract/x509/certificates.js";
import { createCsr, readCsr } from "../../src/contract/x509/csr.js";
import { fromPem } from "../../src/contract/x509/pem.js";

// The zone signs inside workerd: the same contract code must run on its
// WebCrypto (test/node/contract/x509.test.ts has OpenSSL read the output).
describe("x509 in workerd", () => {
  it("issues a root, reads a CSR and signs a leaf for the zone's chosen identity", async () => {
    const ca = await generateKeyPair();
    const now = Date.now();
    const root = await selfSignedRoot(ca, "edgeplane mesh default", new Date(now), new Date(now + 86400e3));
    const csr = await createCsr(await generateKeyPair(), "whatever-the-bridge-says");
    const reading = await readCsr(csr);
    expect(reading.ok).toBe(true);
    if (!reading.ok) return;
    const leaf = await signLeaf({ issuerDer: root.der, issuerKey: ca.privateKey, subjectSpki: reading.spki, uri: "spiffe://default/echo", commonName: "echo", notBefore: new Date(now), notAfter: new Date(now + 3600e3) });
    expect(readCertificate(leaf.der)).toMatchObject({ uris: ["spiffe://default/echo"], commonName: "echo", isCa: false });
    expect(await verifySignature(leaf.der, readCertificate(root.der).spki)).toBe(true);
    expect(fromPem(leaf.pem, "CERTIFICATE").map((d) => [...d])).toEqual([[...leaf.der]]);
  });
});
