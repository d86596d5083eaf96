/**
 * Zone tokens with the real processes: wrangler dev (the zone Durable
 * Object checks the Hello token against D1) and edgeplane-bridge processes
 * given a token file, a revoked one, or none.
 */
import { adminHeaders } from "../../scripts/lib/api-caller.js";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BridgeEvent, BridgeProcess } from "../../scripts/lib/processes.js";
import { issueZoneTokenFile, revokeZoneToken } from "../../scripts/lib/zone-token.js";
import { useLocalSystem } from "./support/use-local-system.js";

const ZONE = "edge";
const WINDOW_MS = 10_000;
const sys = useLocalSystem({ system: "wrangler" });

const bridge = (name: string, extraArgs: string[], waitForZone: boolean): Promise<BridgeProcess> => sys.startBridge({ zone: ZONE, name, extraArgs, waitForZone });

const refusal = (e: BridgeEvent) => e.event === "zone_refused";

/** Connection attempts the bridge logged in the WINDOW_MS after `fromMs`, once that window is over. */
async function attemptsIn(b: BridgeProcess, fromMs: number): Promise<number> {
  const left = fromMs + WINDOW_MS - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  return b.events.filter((e) => e.event === "zone_connecting" && e.t >= fromMs && e.t <= fromMs + WINDOW_MS).length;
}

describe("zone tokens between a real bridge and wrangler dev", () => {
  it("serves a bridge with a valid token, and drops it as soon as the token is revoked", async () => {
    const issued = await issueZoneTokenFile(sys.wrangler, ZONE, join(sys.dir, "valid.token"));
    const b = await bridge("valid", ["--token-file", issued.file], true);
    expect(b.events.some((e) => e.event === "zone_connected")).toBe(true);

    await revokeZoneToken(sys.wrangler, ZONE, issued.id);
    const refused = await b.waitFor(refusal);
    expect(refused).toMatchObject({ code: "token_revoked" });
    expect(Number(refused.retryAfterMs)).toBeGreaterThanOrEqual(30_000);
    const status = (await (await fetch(`${sys.wrangler.url}/v1/zones/${ZONE}/status`, { headers: adminHeaders(sys.wrangler) })).json()) as { bridges: { connected: boolean }[] };
    expect(status.bridges.length).toBeGreaterThan(0);
    expect(status.bridges.every((x) => !x.connected)).toBe(true);
    await b.stop();
  });

  it("refuses a revoked token (token_revoked) and no token (token_missing), and the bridges wait instead of hammering", async () => {
    const issued = await issueZoneTokenFile(sys.wrangler, ZONE, join(sys.dir, "revoked.token"));
    await revokeZoneToken(sys.wrangler, ZONE, issued.id);
    const [revoked, tokenless] = await Promise.all([
      bridge("revoked", ["--token-file", issued.file], false),
      bridge("tokenless", [], false),
    ]);

    const revokedRefusal = await revoked.waitFor(refusal);
    expect(revokedRefusal).toMatchObject({ code: "token_revoked" });
    expect(String(revokedRefusal.message)).toContain(`POST /v1/zones/${ZONE}/tokens`);
    const missingRefusal = await tokenless.waitFor(refusal);
    expect(missingRefusal).toMatchObject({ code: "token_missing" });

    for (const b of [revoked, tokenless]) {
      const first = b.events.find((e) => e.event === "zone_connecting");
      expect(first).toBeDefined();
      const attempts = await attemptsIn(b, first!.t);
      expect(attempts).toBeGreaterThanOrEqual(1);
      expect(attempts).toBeLessThanOrEqual(2);
      expect(b.events.some((e) => e.event === "zone_connected")).toBe(false);
    }
  });
});
