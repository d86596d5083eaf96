import { call } from "./api-helpers.js";

/**
 * A fresh token for `zone` through the API, creating the Zone resource first
 * (an unchanged PUT when it exists): zones require a token in Hello.
 *
 * @example const sock = await ZoneSocket.open("zone-a", await zoneToken("zone-a"));
 */
export async function zoneToken(zone: string, ttlSeconds?: number): Promise<string> {
  const put = await call("PUT", `/v1/zones/${zone}`, { kind: "Zone", metadata: { name: zone }, spec: {} });
  if (put.status !== 200 && put.status !== 201) throw new Error(`PUT zone ${zone}: ${put.status} ${JSON.stringify(put.body)}`);
  const issued = await call("POST", `/v1/zones/${zone}/tokens`, ttlSeconds === undefined ? undefined : { ttlSeconds });
  if (issued.status !== 201) throw new Error(`POST token for ${zone}: ${issued.status} ${JSON.stringify(issued.body)}`);
  return String(issued.body.token);
}
