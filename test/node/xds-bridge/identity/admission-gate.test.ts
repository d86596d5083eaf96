/**
 * The gate's rule per transport: with a TLS ADS port, an Envoy sidecar of a
 * mesh with mTLS is served only there (its SDS secrets, and its token, never
 * travel in the clear); proxyless clients, whose xDS channel can only be
 * plaintext, are decided as before on the plaintext port.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { NodeSchema } from "../../../../gen/envoy/config/core/v3/base_pb.js";
import { AdmissionGate, type GateModel } from "../../../../src/xds-bridge/identity/admission-gate.js";
import { Admission } from "../../../../src/xds-bridge/identity/admission.js";
import { jsonLogger } from "../../../../src/xds-bridge/logger.js";
import { proxyInfoOf } from "../../../../src/xds-bridge/xds/node-hash.js";
import { WorkloadTokenIssuer } from "./workload-token-issuer.js";

type Mode = ReturnType<GateModel["mtlsMode"]>;

async function setup(mode: Mode, tlsPort: boolean) {
  const issuer = await WorkloadTokenIssuer.create("default");
  const admission = new Admission("zone-a");
  admission.update(issuer.state());
  const lines: string[] = [];
  const model: GateModel = { mtlsMode: () => mode, serviceOfSidecar: (_m, workload) => (workload === "echo-1" ? "echo" : undefined) };
  const gate = new AdmissionGate(admission, model, jsonLogger("debug", (l) => lines.push(l)), { tlsPort });
  const token = await issuer.token("echo");
  const sidecar = (withToken: boolean) =>
    proxyInfoOf(create(NodeSchema, { id: "sc", metadata: { mesh: "default", proxyType: "sidecar", workload: "echo-1", ...(withToken ? { token } : {}) } }), 1);
  const proxyless = (withToken: boolean) => proxyInfoOf(create(NodeSchema, { id: "pl", metadata: { mesh: "default", service: "echo", ...(withToken ? { token } : {}) } }), 2);
  return { gate, sidecar, proxyless, lines };
}

describe("AdmissionGate per transport", () => {
  it("with a TLS port, withholds every sidecar of an mTLS mesh on the plaintext port, admitted or not, and serves the admitted one on the TLS port", async () => {
    for (const mode of ["permissive", "strict"] as const) {
      const { gate, sidecar, lines } = await setup(mode, true);
      expect(gate.withheldFor(sidecar(true), "plaintext")).toBe("sds_needs_tls_port");
      expect(gate.withheldFor(sidecar(true), "tls")).toBeUndefined();
      expect(gate.withheldFor(sidecar(false), "tls")).toBe("token_missing");
      expect(gate.gateFor("plaintext")(sidecar(true)).snapshotKey).toMatch(/\/withheld$/);
      expect(gate.gateFor("tls")(sidecar(true)).snapshotKey).not.toMatch(/\/withheld$/);
      expect(lines.join("")).toContain('"transport":"plaintext"');
      // The token is never logged.
      expect(lines.join("")).not.toContain("ewt1.");
    }
  });

  it("serves sidecars of a mesh without mTLS on either port (no secrets to protect)", async () => {
    const { gate, sidecar } = await setup("disabled", true);
    expect(gate.withholds(sidecar(false), "plaintext")).toBe(false);
    expect(gate.withholds(sidecar(false), "tls")).toBe(false);
  });

  it("keeps deciding proxyless clients on the plaintext port as before: routing config in permissive, only when admitted in strict", async () => {
    const permissive = await setup("permissive", true);
    expect(permissive.gate.withholds(permissive.proxyless(false), "plaintext")).toBe(false);
    const strict = await setup("strict", true);
    expect(strict.gate.withheldFor(strict.proxyless(false), "plaintext")).toBe("token_missing");
    expect(strict.gate.withholds(strict.proxyless(true), "plaintext")).toBe(false);
  });

  it("without a TLS port, serves an admitted sidecar on the plaintext port (the trusted-network setup)", async () => {
    const { gate, sidecar } = await setup("strict", false);
    expect(gate.withholds(sidecar(true), "plaintext")).toBe(false);
    expect(gate.withholds(sidecar(false), "plaintext")).toBe(true);
  });

  it("finds a plaintext sidecar stream unchanged when admission changes (still withheld), and a TLS one changed when its token stops admitting it", async () => {
    const { gate, sidecar } = await setup("strict", true);
    const servedPlain = gate.gateFor("plaintext")(sidecar(true));
    expect(gate.changed(servedPlain, "plaintext")).toBe(false);
    const servedTls = gate.gateFor("tls")(sidecar(true));
    expect(gate.changed(servedTls, "tls")).toBe(false);
    // Served as admitted on TLS, decided again on plaintext it would be withheld: a change.
    expect(gate.changed(servedTls, "plaintext")).toBe(true);
  });
});
