import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Admission } from "../../../../src/xds-bridge/identity/admission.js";
import { WorkloadTokenIssuer } from "./workload-token-issuer.js";

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});

describe("Admission", () => {
  it("admits a token signed by the mesh's key for the declared service, and refuses every other case with its code", async () => {
    const issuer = await WorkloadTokenIssuer.create("default");
    const other = await WorkloadTokenIssuer.create("default");
    const admission = new Admission("zone-a");
    const good = await issuer.token("echo");
    const want = { mesh: "default", service: "echo" };
    expect(admission.check(good, want)).toEqual({ admitted: false, refusal: "unknown_key" });
    admission.update(issuer.state());
    expect(admission.check(good, want)).toMatchObject({ admitted: true });
    expect(admission.check(undefined, want)).toEqual({ admitted: false, refusal: "token_missing" });
    expect(admission.check("ewt1.nope.nope", want)).toEqual({ admitted: false, refusal: "token_malformed" });
    expect(admission.check(good, { mesh: "default", service: "echo-v2" })).toEqual({ admitted: false, refusal: "wrong_service" });
    expect(admission.check(await issuer.token("echo", { exp: Math.floor(Date.now() / 1000) - 1 }), want)).toEqual({ admitted: false, refusal: "token_expired" });
    expect(admission.check(await issuer.token("echo", { zone: "zone-b" }), want)).toEqual({ admitted: false, refusal: "wrong_zone" });
    expect(admission.check(await issuer.token("echo", { zone: "zone-a" }), want)).toMatchObject({ admitted: true });
    // Signed by another key under this key's id: the signature does not verify.
    const forged = (await other.token("echo")).split(".");
    const [, payload] = good.split(".");
    expect(admission.check(`${forged[0]}.${payload}.${forged[2]}`, want)).toEqual({ admitted: false, refusal: "bad_signature" });

    let changes = 0;
    admission.onChange(() => changes++);
    const revoked = await issuer.token("echo", { id: "t-revoked" });
    issuer.revoked.push("t-revoked");
    admission.update(issuer.state());
    expect(changes).toBe(1);
    expect(admission.check(revoked, want)).toEqual({ admitted: false, refusal: "token_revoked" });
  });

  it("keeps the zone's last state on disk (mode 0600) and decides from it after a restart", async () => {
    dir = mkdtempSync(join(tmpdir(), "admission-"));
    const file = join(dir, "admission.json");
    const issuer = await WorkloadTokenIssuer.create("default");
    new Admission("zone-a", file).update(issuer.state());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain(issuer.kid);
    const restarted = new Admission("zone-a", file);
    expect(restarted.check(await issuer.token("echo"), { mesh: "default", service: "echo" })).toMatchObject({ admitted: true });
  });
});
