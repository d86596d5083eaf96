import { Code } from "@connectrpc/connect";
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashZoneToken, signZoneToken } from "../../src/global/zone-tokens.js";
import type { ZoneTokenRecord } from "../../src/store/zone-token-store.js";
import { checkZoneToken } from "../../src/zone-do/token-check.js";
import { call } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

const DAY_MS = 24 * 3600 * 1000;

async function putZone(zone: string): Promise<void> {
  const res = await call("PUT", `/v1/zones/${zone}`, { kind: "Zone", metadata: { name: zone }, spec: {} });
  expect([200, 201]).toContain(res.status);
}

async function issue(zone: string, body?: unknown): Promise<{ id: string; token: string; expiresAt: string }> {
  const res = await call("POST", `/v1/zones/${zone}/tokens`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; token: string; expiresAt: string };
}

/** Says Hello with `token` and returns what the zone answers first. */
async function helloWith(zone: string, token: string) {
  const sock = await ZoneSocket.open(zone, token);
  sock.hello(zone, 0);
  return { sock, first: await sock.next() };
}

async function refusal(zone: string, token: string) {
  const sock = await ZoneSocket.open(zone, token);
  sock.hello(zone, 0);
  const end = await sock.refusal();
  await until(() => sock.closed);
  return end;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(cond()).toBe(true);
}

/** The zone's D1 reads fail, as when D1 is unreachable. */
const unreachable = { find: (): Promise<ZoneTokenRecord | undefined> => Promise.reject(new Error("D1 unreachable")) };

describe("zone tokens through the API", () => {
  it("issues a token only for an existing Zone, shows it once and stores only its hash", async () => {
    const missing = await call("POST", "/v1/zones/tok-nowhere/tokens");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("not_found");

    await putZone("tok-a");
    const before = Date.now();
    const issued = await issue("tok-a");
    expect(issued).toMatchObject({ zone: "tok-a", id: expect.any(String) });
    expect(issued.token).toMatch(/^ept1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const ttl = Date.parse(issued.expiresAt) - before;
    expect(ttl).toBeGreaterThan(29 * DAY_MS);
    expect(ttl).toBeLessThanOrEqual(30 * DAY_MS + 1000);

    const row = await env.DB.prepare("SELECT * FROM zone_tokens WHERE id = ?").bind(issued.id).first<Record<string, unknown>>();
    expect(row?.token_hash).not.toBe(issued.token);
    expect(row?.token_hash).toBe(await hashZoneToken(issued.token));
    expect(JSON.stringify(row)).not.toContain(issued.token);

    const list = await call("GET", "/v1/zones/tok-a/tokens");
    expect(list.status).toBe(200);
    const items = list.body.items as Record<string, unknown>[];
    expect(items).toEqual([{ id: issued.id, zone: "tok-a", createdAt: expect.any(String), expiresAt: issued.expiresAt, revokedAt: null }]);
    expect(JSON.stringify(list.body)).not.toContain(issued.token);
    expect(JSON.stringify(list.body)).not.toContain(String(row?.token_hash));
  });

  it("takes ttlSeconds from one minute to one year, and nothing else", async () => {
    await putZone("tok-ttl");
    const hour = await issue("tok-ttl", { ttlSeconds: 3600 });
    expect(Math.abs(Date.parse(hour.expiresAt) - Date.now() - 3600_000)).toBeLessThan(60_000);
    for (const ttlSeconds of [59, 366 * 24 * 3600, 1.5, "60"]) {
      const res = await call("POST", "/v1/zones/tok-ttl/tokens", { ttlSeconds });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: "invalid_field", field: "ttlSeconds" });
    }
    const typo = await call("POST", "/v1/zones/tok-ttl/tokens", { ttl: 60 });
    expect(typo.body).toMatchObject({ code: "unknown_field", field: "ttl" });
  });

  it("revokes idempotently, and 404s for a token the zone does not have", async () => {
    await putZone("tok-r");
    await putZone("tok-r2");
    const issued = await issue("tok-r");
    const first = await call("DELETE", `/v1/zones/tok-r/tokens/${issued.id}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: issued.id, zone: "tok-r", revokedAt: expect.any(String) });
    expect(first.body).not.toHaveProperty("token");
    expect(first.body).not.toHaveProperty("tokenHash");
    const again = await call("DELETE", `/v1/zones/tok-r/tokens/${issued.id}`);
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(first.body.revokedAt);
    expect((await call("DELETE", "/v1/zones/tok-r/tokens/no-such-id")).status).toBe(404);
    expect((await call("DELETE", `/v1/zones/tok-r2/tokens/${issued.id}`)).status).toBe(404);
    const listed = (await call("GET", "/v1/zones/tok-r/tokens")).body.items as { revokedAt: string | null }[];
    expect(listed[0]?.revokedAt).toBe(first.body.revokedAt);
  });
});

describe("zone tokens in the bridge's Hello", () => {
  it("accepts a valid token", async () => {
    const { sock, first } = await helloWith("tok-ok", await zoneToken("tok-ok"));
    expect(first.msg).toMatchObject({ case: "welcome", value: { zone: "tok-ok" } });
    sock.close();
  });

  it("refuses a missing, malformed, forged, expired or other zone's token, saying what to do, and closes", async () => {
    const zone = "tok-refuse";
    await zoneToken(zone);
    const secret = env.ZONE_TOKEN_SECRET!;
    const future = Math.floor(Date.now() / 1000) + 3600;
    const cases: [string, string][] = [
      ["", "token_missing"],
      ["not-a-token", "token_malformed"],
      ["ept1.e30.AAAA", "token_malformed"],
      [await signZoneToken("some-other-secret", { id: "forged", zone, exp: future }), "token_bad_signature"],
      [await signZoneToken(secret, { id: "old", zone, exp: Math.floor(Date.now() / 1000) - 60 }), "token_expired"],
      [await zoneToken("tok-elsewhere"), "token_wrong_zone"],
    ];
    for (const [token, code] of cases) {
      const refused = await refusal(zone, token);
      expect(refused.code, `token ${JSON.stringify(token)}`).toBe(code);
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(30_000n);
      expect(refused.message).toContain(`POST /v1/zones/${zone}/tokens`);
    }
  });

  it("refuses a revoked token, and closes a bridge connected with it as soon as it is revoked", async () => {
    const zone = "tok-revoke";
    await putZone(zone);
    const issued = await issue(zone);
    const { sock, first } = await helloWith(zone, issued.token);
    expect(first.msg.case).toBe("welcome");
    expect((await sock.nextUpdate()).snapshot).toBe(true);

    const del = await call("DELETE", `/v1/zones/${zone}/tokens/${issued.id}`);
    expect(del.status).toBe(200);
    expect(await sock.refusal()).toMatchObject({ code: "token_revoked", connectCode: Code.Unauthenticated });
    await until(() => sock.closed);

    const again = await refusal(zone, issued.token);
    expect(again.code).toBe("token_revoked");
    expect(again.retryAfterMs).toBeGreaterThanOrEqual(30_000n);
  });
});

describe("zone tokens while D1 is unreachable", () => {
  it("accepts a token this zone accepted before, refuses one it never saw and one it saw revoked", async () => {
    const zone = "tok-autonomy";
    await putZone(zone);
    const known = await issue(zone);
    const unseen = await issue(zone);
    const revoked = await issue(zone);
    for (const t of [known, revoked]) {
      const { sock, first } = await helloWith(zone, t.token);
      expect(first.msg.case).toBe("welcome");
      sock.close();
    }
    await call("DELETE", `/v1/zones/${zone}/tokens/${revoked.id}`);

    const stub = env.ZONES.get(env.ZONES.idFromName(zone));
    await runInDurableObject(stub, async (_obj, state) => {
      const check = (token: string, records: typeof unreachable = unreachable) =>
        checkZoneToken({ zone, token, env, records, sql: state.storage.sql, nowMs: Date.now() });
      expect(await check(known.token)).toEqual({ ok: true, tokenId: known.id });
      expect(await check(unseen.token)).toMatchObject({ ok: false, refused: { code: "token_unverifiable" } });
      expect(await check(revoked.token)).toMatchObject({ ok: false, refused: { code: "token_revoked" } });
      // What the zone saw revoked stays revoked, whatever a stale D1 read says.
      const stale = { find: async (): Promise<ZoneTokenRecord> => ({ id: revoked.id, zone, tokenHash: await hashZoneToken(revoked.token), createdAt: "", expiresAt: "", revokedAt: null }) };
      expect(await check(revoked.token, stale)).toMatchObject({ ok: false, refused: { code: "token_revoked" } });
      // Signature and expiry need no database, so they are checked all the same.
      const expired = await signZoneToken(env.ZONE_TOKEN_SECRET!, { id: known.id, zone, exp: Math.floor(Date.now() / 1000) - 1 });
      expect(await check(expired)).toMatchObject({ ok: false, refused: { code: "token_expired" } });
    });
  });

  it("lets a bridge in without a token only when REQUIRE_ZONE_TOKENS is \"false\"", async () => {
    const stub = env.ZONES.get(env.ZONES.idFromName("tok-optional"));
    await runInDurableObject(stub, async (_obj, state) => {
      const base = { zone: "tok-optional", token: "", records: unreachable, sql: state.storage.sql, nowMs: Date.now() };
      expect(await checkZoneToken({ ...base, env: { ...env, REQUIRE_ZONE_TOKENS: "false" } })).toEqual({ ok: true, tokenId: undefined });
      expect(await checkZoneToken({ ...base, env: { ...env, REQUIRE_ZONE_TOKENS: undefined } })).toMatchObject({ ok: false, refused: { code: "token_missing" } });
    });
  });
});
