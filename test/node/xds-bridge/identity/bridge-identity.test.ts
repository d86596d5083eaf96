/**
 * The bridge's own serving identity (its TLS ADS port) in the
 * IdentityManager: asked for with `bridgeIdentity` (the zone names it),
 * written under `<certs-dir>/<mesh>/_bridge/`, renewed on the zone's time,
 * and never taken for a service's identity after a restart.
 */
import { create } from "@bufbuild/protobuf";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CertificateIssuedSchema } from "../../../../src/contract/zone-protocol/zone_pb.js";
import { existingIdentities } from "../../../../src/xds-bridge/identity/certificate-files.js";
import { IdentityManager, type CertificateRequestFrame } from "../../../../src/xds-bridge/identity/identity-manager.js";
import { jsonLogger } from "../../../../src/xds-bridge/logger.js";

let dir = "";
afterEach(() => {
  vi.useRealTimers();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});

describe("the bridge's own identity", () => {
  it("asks the zone with bridgeIdentity, writes its files under _bridge (key 0600), renews with a new request, and is not resumed as a service", async () => {
    dir = mkdtempSync(join(tmpdir(), "bridge-identity-"));
    const sent: CertificateRequestFrame[] = [];
    const lines: string[] = [];
    const ids = new IdentityManager({ certsDir: dir, log: jsonLogger("debug", (l) => lines.push(l)), send: (r) => (sent.push(r), true) });
    const held = await ids.holdBridge("secure", "west");
    expect(held).toMatchObject({ mesh: "secure", service: "zone/west/bridge", spiffeId: "spiffe://secure/zone/west/bridge", state: "pending" });
    expect(held.paths.dir).toBe(join(dir, "secure", "_bridge"));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ mesh: "secure", service: "zone/west/bridge", bridgeIdentity: true });
    // Idempotent: a second hold asks nothing more.
    await ids.holdBridge("secure", "west");
    expect(sent).toHaveLength(1);

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await ids.onIssued(create(CertificateIssuedSchema, {
      requestId: sent[0]!.requestId, mesh: "secure", service: "zone/west/bridge",
      certificatePem: "CERT", trustBundlePem: "BUNDLE", serial: "01", issuedAtMs: 1_000n, notAfterMs: 61_000n, renewAtMs: 31_000n,
    }));
    expect(ids.get("secure", "zone/west/bridge")?.state).toBe("issued");
    expect(readFileSync(held.paths.cert, "utf8")).toBe("CERT");
    expect(readFileSync(held.paths.ca, "utf8")).toBe("BUNDLE");
    expect(readFileSync(held.paths.key, "utf8")).toContain("BEGIN PRIVATE KEY");
    expect(statSync(held.paths.key).mode & 0o777).toBe(0o600);
    expect(lines.join("")).not.toContain("PRIVATE KEY");

    // Renewal at the zone's time (30 s after issue), with a new request.
    await vi.advanceTimersByTimeAsync(30_000);
    vi.useRealTimers();
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]).toMatchObject({ bridgeIdentity: true });
    expect(sent[1]!.requestId).not.toBe(sent[0]!.requestId);
    ids.stop();

    expect(existingIdentities(dir)).toEqual([]);
  });
});
