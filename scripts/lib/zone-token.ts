/**
 * Zone tokens for local runs: `npm start`, the end-to-end tests and the
 * benchmark give their bridges a token issued through the API, exactly as
 * an operator would.
 */
import { writeFile } from "node:fs/promises";
import { adminHeaders, type ApiEndpoint } from "./api-caller.js";

export interface IssuedToken {
  id: string;
  token: string;
  /** The file holding the token, for the bridge's --token-file. */
  file: string;
}

/**
 * Creates the Zone resource `zone` (an unchanged PUT when it exists), issues
 * a token for it and writes the token to `file`, readable by its owner only.
 *
 * @example const { file } = await issueZoneTokenFile(wrangler, "default", join(dir, "default.token"));
 */
export async function issueZoneTokenFile(api: ApiEndpoint, zone: string, file: string): Promise<IssuedToken> {
  const put = await fetch(`${api.url}/v1/zones/${zone}`, {
    method: "PUT",
    headers: { ...adminHeaders(api), "content-type": "application/json" },
    body: JSON.stringify({ kind: "Zone", metadata: { name: zone }, spec: {} }),
  });
  if (!put.ok) throw new Error(`PUT /v1/zones/${zone} answered ${put.status}: ${await put.text()}`);
  const res = await fetch(`${api.url}/v1/zones/${zone}/tokens`, { method: "POST", headers: adminHeaders(api) });
  const body = (await res.json()) as { id?: string; token?: string };
  if (res.status !== 201 || !body.id || !body.token) throw new Error(`POST /v1/zones/${zone}/tokens answered ${res.status}: ${JSON.stringify(body)}`);
  await writeFile(file, `${body.token}\n`, { mode: 0o600 });
  return { id: body.id, token: body.token, file };
}

/**
 * Revokes a token through the API.
 *
 * @example await revokeZoneToken(wrangler, "default", issued.id);
 */
export async function revokeZoneToken(api: ApiEndpoint, zone: string, id: string): Promise<void> {
  const res = await fetch(`${api.url}/v1/zones/${zone}/tokens/${encodeURIComponent(id)}`, { method: "DELETE", headers: adminHeaders(api) });
  if (!res.ok) throw new Error(`DELETE /v1/zones/${zone}/tokens/${id} answered ${res.status}: ${await res.text()}`);
}
