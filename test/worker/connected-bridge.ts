import { ZoneSocket } from "./zone-socket.js";
import { zoneToken } from "./zone-token.js";

/**
 * A bridge as far as a real one gets before serving: a token issued through
 * the API, Hello answered by Welcome, and the first update (the snapshot)
 * read. Endpoint sets that follow stay queued for the test.
 *
 * @example const sock = await connectedBridge("zone-a", "bridge-1");
 */
export async function connectedBridge(zone: string, bridgeId = `bridge-${zone}`): Promise<ZoneSocket> {
  const sock = await ZoneSocket.open(zone, await zoneToken(zone));
  sock.hello(zone, 0, "", bridgeId);
  const first = await sock.next();
  if (first.msg.case !== "welcome") throw new Error(`expected welcome, got ${first.msg.case}: ${JSON.stringify(first.msg.value)}`);
  await sock.nextUpdate();
  return sock;
}
