import { env } from "cloudflare:test";
import { signApiToken, type Role } from "../../src/contract/api-token.js";

const cache = new Map<string, string>();

/**
 * An API token signed with the test Worker's API_TOKEN_SECRET, as an admin
 * with the secret could make one (`edgeplane token bootstrap`), cached per
 * grant so a file's tests share it.
 *
 * @example await call("GET", "/v1/meshes", undefined, { authorization: `Bearer ${await apiToken("reader", ["default"])}` })
 */
export async function apiToken(role: Role = "admin", meshes: string[] = ["*"], opts: { sub?: string; sources?: string[] } = {}): Promise<string> {
  const sub = opts.sub ?? `test-${role}`;
  const id = JSON.stringify([role, meshes, sub, opts.sources ?? null]);
  let token = cache.get(id);
  if (!token) {
    ({ token } = await signApiToken(env.API_TOKEN_SECRET!, { sub, role, meshes, ...(opts.sources ? { sources: opts.sources } : {}), ttlSeconds: 3600, bootstrap: true }, Date.now()));
    cache.set(id, token);
  }
  return token;
}
