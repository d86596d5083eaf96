import type { BridgeMessage } from "../contract/zone-protocol/zone_pb.js";

/** Messages that may wait for one that overtook them before the socket is refused: a report interval's worth. */
const MAX_HELD = 64;

interface SocketOrder {
  /** The seq handled next. */
  next: bigint;
  held: Map<bigint, BridgeMessage>;
}

/**
 * Puts a socket's numbered BridgeMessages (`seq`, zone.proto) back in the
 * order the bridge sent them. Back-to-back frames were seen to reach the
 * zone's handler out of order (a CurrentAt before the ProxyStatus sent just
 * ahead of it), and a report only means what it says in order. What waits
 * is held in memory: a zone does not hibernate within the milliseconds a
 * gap lasts, and after a wake the first number seen starts the count again.
 *
 * @example for (const m of order.admit(ws, msg, att.helloSeen)) await dispatch(ws, m);
 */
export class FrameOrder {
  private readonly sockets = new Map<WebSocket, SocketOrder>();

  /**
   * The messages `msg` makes ready, in the bridge's order; "overflow" when
   * too many wait for a gap that does not fill (the socket is to be refused).
   * `started` says whether the socket's Hello was already handled: before
   * it, the count starts at 1; after it, an unknown socket is one the zone
   * woke up for, and counts from what it sees.
   */
  admit(ws: WebSocket, msg: BridgeMessage, started: boolean): BridgeMessage[] | "overflow" {
    if (msg.seq === 0n) return [msg];
    let order = this.sockets.get(ws);
    if (!order) {
      order = { next: started ? msg.seq : 1n, held: new Map() };
      this.sockets.set(ws, order);
    }
    // Numbers only go up; one already passed cannot be put back in order, and a resend never happens on one call.
    if (msg.seq < order.next || order.held.has(msg.seq)) return [];
    if (msg.seq > order.next) {
      if (order.held.size >= MAX_HELD) return "overflow";
      order.held.set(msg.seq, msg);
      return [];
    }
    const ready = [msg];
    order.next++;
    for (let m = order.held.get(order.next); m; m = order.held.get(order.next)) {
      order.held.delete(order.next);
      ready.push(m);
      order.next++;
    }
    return ready;
  }

  /** Forgets a closed socket. */
  forget(ws: WebSocket): void {
    this.sockets.delete(ws);
  }
}
