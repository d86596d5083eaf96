import { AsnConvert } from "@peculiar/asn1-schema";
import { ECDSASigValue } from "@peculiar/asn1-ecc";

/**
 * WebCrypto signs ECDSA as r||s (IEEE P1363, 32 + 32 bytes for P-256);
 * X.509 and PKCS#10 carry the DER ECDSA-Sig-Value. These convert between
 * the two, so certificates are signed by crypto.subtle with no hand-written DER.
 */
export function p1363ToDer(signature: ArrayBuffer): ArrayBuffer {
  const raw = new Uint8Array(signature);
  const half = raw.length / 2;
  return AsnConvert.serialize(new ECDSASigValue({ r: asInteger(raw.slice(0, half)), s: asInteger(raw.slice(half)) }));
}

export function derToP1363(der: ArrayBuffer | Uint8Array, size = 32): Uint8Array {
  const sig = AsnConvert.parse(der, ECDSASigValue);
  const out = new Uint8Array(size * 2);
  out.set(fixed(new Uint8Array(sig.r), size), 0);
  out.set(fixed(new Uint8Array(sig.s), size), size);
  return out;
}

/** An unsigned big-endian number as a DER INTEGER's content: no extra leading zeros, a zero in front of a high bit. */
function asInteger(bytes: Uint8Array): ArrayBuffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.slice(i);
  const out = trimmed[0]! & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
}

function fixed(bytes: Uint8Array, size: number): Uint8Array {
  const trimmed = bytes.length > size ? bytes.slice(bytes.length - size) : bytes;
  const out = new Uint8Array(size);
  out.set(trimmed, size - trimmed.length);
  return out;
}
