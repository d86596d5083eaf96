import { DurableObject } from "cloudflare:workers";
import { fromBinary } from "@bufbuild/protobuf";
import { keyString } from "../contract/resource-types.js";
import type { ZoneStatus } from "../contract/zone-status.js";
import { BridgeMessageSchema, type BridgeMessage } from "../contract/zone-protocol/zone_pb.js";
import type { Env, ZoneRpc } from "../env.js";
import { publishEvents } from "../events/publish.js";
import { MAX_TTL_SECONDS } from "../global/zone-tokens.js";
import { BridgeHandshake } from "./bridge-handshake.js";
import { BridgeSockets } from "./bridge-sockets.js";
import { EndpointLayer } from "./endpoint-layer.js";
import { InventorySync } from "./inventory-sync.js";
import { JournalPull } from "./journal-pull.js";
import { ProxyStatusTable } from "./proxy-status-table.js";
import { TokenMemory } from "./token-memory.js";
import { tokenRefusal } from "./token-refusal.js";
import { appliedEvents, proxyEvents } from "./zone-events.js";
import { DEFAULT_CHANGE_LOG_ROWS, ZoneStorage } from "./zone-storage.js";
import { encodeEndpoints, encodeUpdate } from "./zone-updates.js";
import { ZoneUplink } from "./zone-uplink.js";

/** How often a zone with bridges checks the journal head for writes it was not told about. */
const CATCH_UP_MS = 5_000;
/** A bridge whose text pings stopped this long ago is considered gone. */
const BRIDGE_SILENCE_MS = 45_000;

/**
 * One zone: the Durable Object's lifecycle and RPC surface, delegating to
 * its parts (partyserver's split between the server and its connections):
 * `ZoneStorage` (resources, change log, head), `JournalPull` (learning of
 * writes), `BridgeSockets` (the hibernatable WebSockets and their
 * attachments), `BridgeHandshake` (Hello), `ProxyStatusTable` (ACK/NACK),
 * `EndpointLayer` + `InventorySync` (discovery) and `ZoneUplink` (every call
 * to D1 and the global plane).
 *
 * Liveness: bridges send the text frame "ping" and the runtime answers "pong"
 * without waking the object (setWebSocketAutoResponse); the alarm closes
 * sockets whose pings stopped.
 */
export class ZoneDurableObject extends DurableObject<Env> implements ZoneRpc {
  private readonly state: ZoneStorage;
  private readonly proxyStatus: ProxyStatusTable;
  private readonly endpoints: EndpointLayer;
  private readonly uplink: ZoneUplink;
  private readonly sockets: BridgeSockets;
  private readonly journal: JournalPull;
  private readonly inventory: InventorySync;
  private readonly handshake: BridgeHandshake;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.state = new ZoneStorage(ctx.storage, Number(env.ZONE_CHANGE_LOG_ROWS ?? "") || DEFAULT_CHANGE_LOG_ROWS);
    this.proxyStatus = new ProxyStatusTable(ctx.storage.sql);
    this.endpoints = new EndpointLayer(ctx.storage.sql);
    this.uplink = new ZoneUplink(env, ctx.storage);
    this.sockets = new BridgeSockets(ctx, () => this.state.zoneName());
    this.journal = new JournalPull(this.state, this.uplink, (from, keys) => this.applied(from, keys));
    this.inventory = new InventorySync(this.endpoints, this.state, this.uplink, () => this.broadcastEndpoints(), () => this.scheduleAlarm());
    this.handshake = new BridgeHandshake({
      env,
      sockets: this.sockets,
      state: this.state,
      endpoints: this.endpoints,
      uplink: this.uplink,
      sql: ctx.storage.sql,
      catchUp: () => this.journal.pullSafely(),
      admitted: (bridgeId) => this.proxyStatus.bridgeConnected(bridgeId, Date.now()),
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async sync(revision: number): Promise<number> {
    // A failed pull is logged and left to the alarm; the caller only learns how far the zone got.
    if (this.state.head().revision < revision) await this.journal.pullSafely();
    return this.state.head().revision;
  }

  async status(): Promise<ZoneStatus> {
    return {
      zone: this.state.zoneName(),
      ...this.state.head(),
      bridges: this.proxyStatus.bridges(),
      proxies: this.proxyStatus.proxies(),
      endpoints: {
        version: this.endpoints.version,
        discovered: this.endpoints.discovered().length,
        total: this.endpoints.all().length,
        pendingReport: this.endpoints.pendingReport,
      },
    };
  }

  async revokeToken(tokenId: string): Promise<number> {
    // The expiry is not known here; a revocation outlives any token.
    new TokenMemory(this.ctx.storage.sql).remember(tokenId, "revoked", Date.now() + MAX_TTL_SECONDS * 1000, Date.now());
    let closed = 0;
    for (const ws of this.sockets.all()) {
      const att = this.sockets.attachment(ws);
      if (att.tokenId !== tokenId) continue;
      this.forget(ws);
      this.sockets.refuse(ws, tokenRefusal("token_revoked", att.zone), 4001);
      closed++;
    }
    return closed;
  }

  async remoteInventoryChanged(): Promise<void> {
    await this.inventory.refreshRemote();
  }

  async setUplinkDown(down: boolean): Promise<ZoneStatus> {
    await this.uplink.setUnreachable(down);
    if (!down) await this.catchUp();
    return this.status();
  }

  override async fetch(request: Request): Promise<Response> {
    const match = /\/v1\/zones\/([^/]+)\/connect$/.exec(new URL(request.url).pathname);
    if (!match || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ code: "not_found", message: "zone objects accept only bridge WebSocket upgrades" }, { status: 404 });
    }
    const zone = decodeURIComponent(match[1]!);
    this.state.setZoneName(zone);
    const client = this.sockets.accept(zone);
    await this.scheduleAlarm();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    // One bad frame must never take the zone down: answer it, log it, go on.
    try {
      if (typeof data === "string") return; // "ping" is answered by the runtime
      await this.onBridgeMessage(ws, fromBinary(BridgeMessageSchema, new Uint8Array(data)));
    } catch (err) {
      console.error(`zone ${this.state.zoneName()}: bad frame: ${String(err)}`);
      this.sockets.send(ws, { case: "refused", value: { code: "bad_frame", message: String(err), retryAfterMs: 1000n } });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.forget(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.forget(ws);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const bridges = this.proxyStatus.bridges();
    for (const ws of this.sockets.all()) {
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const { bridgeId } = this.sockets.attachment(ws);
      const since = Math.max(lastPing, bridges.find((b) => b.bridgeId === bridgeId)?.connectedAtMs ?? 0);
      if (now - since > BRIDGE_SILENCE_MS) {
        this.forget(ws);
        ws.close(4000, "no ping");
      }
    }
    await this.catchUp();
    await this.scheduleAlarm();
  }

  /** Everything that may have been missed while D1 or the global plane was away. */
  private async catchUp(): Promise<void> {
    await this.journal.pullSafely();
    await this.inventory.flush();
    await this.inventory.refreshRemote();
  }

  private async onBridgeMessage(ws: WebSocket, msg: BridgeMessage): Promise<void> {
    const att = this.sockets.attachment(ws);
    switch (msg.msg.case) {
      case "hello":
        return this.handshake.answer(ws, msg.msg.value);
      case "status":
        if (!att.ready) return;
        this.proxyStatus.recordReport(att.bridgeId, msg.msg.value, Date.now());
        this.ctx.waitUntil(publishEvents(this.env, proxyEvents(att.zone, msg.msg.value)));
        return;
      case "applied":
        if (att.ready) this.proxyStatus.bridgeApplied(att.bridgeId, Number(msg.msg.value.revision), Date.now());
        return;
      case "discovered":
        if (att.ready) await this.inventory.onDiscovered(att.bridgeId, msg.msg.value.workloads);
        return;
      case undefined:
        throw new Error("empty BridgeMessage");
      default:
        return assertNever(msg.msg);
    }
  }

  /** A pulled page changed `keys`: push the change, tell the event stream, and report our own ingress if it moved. */
  private applied(fromRevision: number, keys: string[]): void {
    const head = this.state.head();
    this.sockets.broadcast(encodeUpdate({ ...head, fromRevision, snapshot: false, ...this.state.resourcesFor(keys) }));
    const zone = this.state.zoneName();
    this.ctx.waitUntil(publishEvents(this.env, appliedEvents(zone, head.revision, keys, Date.now())));
    // Our own Zone document carries the ingress other zones reach us by.
    if (keys.includes(keyString({ kind: "Zone", mesh: "", name: zone }))) void this.inventory.ownZoneChanged();
  }

  private broadcastEndpoints(): void {
    this.sockets.broadcast([encodeEndpoints(this.endpoints.version, this.endpoints.all())]);
  }

  private forget(ws: WebSocket): void {
    const att = this.sockets.attachment(ws);
    if (att.ready) this.proxyStatus.bridgeDisconnected(att.bridgeId, Date.now());
  }

  private async scheduleAlarm(): Promise<void> {
    // Bridges to watch, or an inventory report still to deliver.
    if (this.sockets.all().length === 0 && this.endpoints.pendingReport === 0) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + CATCH_UP_MS);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}
