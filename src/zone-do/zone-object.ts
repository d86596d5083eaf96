import { DurableObject } from "cloudflare:workers";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type { Env } from "../env.js";
import {
  AckState,
  BridgeMessageSchema,
  ZoneMessageSchema,
  type BridgeMessage,
  type Hello,
  type Resource as WireResource,
} from "../contract/zone-protocol/zone_pb.js";
import type { ZoneSpec } from "../contract/resource-types.js";
import { publishEvents } from "../events/publish.js";
import { EndpointLayer, type EndpointRow } from "./endpoint-layer.js";
import { ProxyStatusTable, type BridgeRow, type ProxyRow } from "./proxy-status-table.js";
import { checkZoneToken } from "./token-check.js";
import { TokenMemory } from "./token-memory.js";
import { tokenRefusal } from "./token-refusal.js";
import { ZoneTokenStore } from "../store/zone-token-store.js";
import { MAX_TTL_SECONDS } from "../global/zone-tokens.js";
import { encodeUpdate } from "./zone-updates.js";
import { DEFAULT_CHANGE_LOG_ROWS, ZoneStorage } from "./zone-storage.js";
import { ZoneUplink } from "./zone-uplink.js";

/** Per-socket identity, kept across hibernation by serializeAttachment. */
interface Attachment {
  zone: string;
  bridgeId: string;
  /** True once Hello was answered: the socket receives live updates. */
  ready: boolean;
  /** The zone token the bridge authenticated with, so revokeToken can close its socket. */
  tokenId?: string | undefined;
}

export interface ZoneStatus {
  zone: string;
  revision: number;
  checksum: string;
  logFloor: number;
  bridges: BridgeRow[];
  proxies: ProxyRow[];
  endpoints: { version: number; discovered: number; total: number; pendingReport: number };
}

/** How often a zone with bridges checks the journal head for writes it was not told about. */
const CATCH_UP_MS = 5_000;
/** A bridge whose text pings stopped this long ago is considered gone. */
const BRIDGE_SILENCE_MS = 45_000;
const JOURNAL_PAGE = 500;

/**
 * One zone. It pulls journal rows from D1 after its own revision, keeps the
 * zone's state in its SQLite storage, and pushes each change to the bridges
 * connected over hibernatable WebSockets (one ZoneMessage per binary frame).
 *
 * Liveness: bridges send the text frame "ping" and the runtime answers "pong"
 * without waking the object (setWebSocketAutoResponse); the alarm closes
 * sockets whose pings stopped.
 */
export class ZoneDurableObject extends DurableObject<Env> {
  private readonly zone: ZoneStorage;
  private readonly status_: ProxyStatusTable;
  private readonly endpoints: EndpointLayer;
  private readonly uplink: ZoneUplink;
  private pulling: Promise<number> = Promise.resolve(0);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.zone = new ZoneStorage(ctx.storage, Number(env.ZONE_CHANGE_LOG_ROWS ?? "") || DEFAULT_CHANGE_LOG_ROWS);
    this.status_ = new ProxyStatusTable(ctx.storage.sql);
    this.endpoints = new EndpointLayer(ctx.storage.sql);
    this.uplink = new ZoneUplink(env, ctx.storage);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** RPC from the global plane: revision `revision` is committed; catch up to it. */
  async sync(revision: number): Promise<number> {
    // A failed pull is logged and left to the alarm; the caller only learns
    // how far the zone got.
    if (this.zone.head().revision < revision) await this.pullSafely();
    return this.zone.head().revision;
  }

  /** RPC: the zone's view of itself, for the API. */
  async status(): Promise<ZoneStatus> {
    const head = this.zone.head();
    return {
      zone: this.zone.meta("zone") ?? "",
      ...head,
      bridges: this.status_.bridges(),
      proxies: this.status_.proxies(),
      endpoints: {
        version: this.endpoints.version,
        discovered: this.endpoints.discovered().length,
        total: this.endpoints.all().length,
        pendingReport: this.endpoints.pendingReport,
      },
    };
  }

  /** RPC from the API: token `tokenId` was revoked; close the sockets it admitted now. Returns how many. */
  async revokeToken(tokenId: string): Promise<number> {
    // The expiry is not known here; a revocation outlives any token.
    new TokenMemory(this.ctx.storage.sql).remember(tokenId, "revoked", Date.now() + MAX_TTL_SECONDS * 1000, Date.now());
    let closed = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as Attachment;
      if (att.tokenId !== tokenId) continue;
      this.forget(ws);
      // Until the close completes the runtime still lists the socket: no more broadcasts to it.
      ws.serializeAttachment({ ...att, ready: false, tokenId: undefined } satisfies Attachment);
      try {
        this.send(ws, { case: "refused", value: tokenRefusal("token_revoked", att.zone) });
        ws.close(4001, "token_revoked");
        closed++;
      } catch {
        // already closing
      }
    }
    return closed;
  }

  /** RPC from the global plane: another zone's inventory changed. */
  async remoteInventoryChanged(): Promise<void> {
    await this.refreshRemote();
  }

  /** RPC for tests (EDGEPLANE_FAULTS=on): cut the zone off from D1 and the global plane, or reconnect it. */
  async setUplinkDown(down: boolean): Promise<ZoneStatus> {
    await this.uplink.setUnreachable(down);
    if (!down) {
      await this.pullSafely();
      await this.flushInventory();
      await this.refreshRemote();
    }
    return this.status();
  }

  override async fetch(request: Request): Promise<Response> {
    const match = /\/v1\/zones\/([^/]+)\/connect$/.exec(new URL(request.url).pathname);
    if (!match || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ code: "not_found", message: "zone objects accept only bridge WebSocket upgrades" }, { status: 404 });
    }
    const zone = decodeURIComponent(match[1]!);
    if (this.zone.meta("zone") !== zone) this.zone.setMeta("zone", zone);
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ zone, bridgeId: "", ready: false } satisfies Attachment);
    await this.scheduleAlarm();
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    // One bad frame must never take the zone down: answer it, log it, go on.
    try {
      if (typeof data === "string") return; // "ping" is answered by the runtime
      const msg = fromBinary(BridgeMessageSchema, new Uint8Array(data));
      await this.onBridgeMessage(ws, msg);
    } catch (err) {
      console.error(`zone ${this.zone.meta("zone")}: bad frame: ${String(err)}`);
      this.send(ws, { case: "refused", value: { code: "bad_frame", message: String(err), retryAfterMs: 1000n } });
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
    for (const ws of this.ctx.getWebSockets()) {
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const att = ws.deserializeAttachment() as Attachment;
      const since = Math.max(lastPing, this.status_.bridges().find((b) => b.bridgeId === att.bridgeId)?.connectedAtMs ?? 0);
      if (now - since > BRIDGE_SILENCE_MS) {
        this.forget(ws);
        ws.close(4000, "no ping");
      }
    }
    await this.pullSafely();
    await this.flushInventory();
    await this.refreshRemote();
    await this.scheduleAlarm();
  }

  // ---- protocol ---------------------------------------------------------------

  private async onBridgeMessage(ws: WebSocket, msg: BridgeMessage): Promise<void> {
    const att = ws.deserializeAttachment() as Attachment;
    switch (msg.msg.case) {
      case "hello":
        return this.onHello(ws, att, msg.msg.value);
      case "status":
        if (!att.ready) return;
        this.status_.recordReport(att.bridgeId, msg.msg.value, Date.now());
        this.ctx.waitUntil(
          publishEvents(
            this.env,
            msg.msg.value.proxies.map((p) => ({
              type: p.state === AckState.NACK ? ("proxy-nacked" as const) : ("proxy-acked" as const),
              mesh: p.mesh,
              revision: Number(p.revision),
              zone: att.zone,
              proxyId: p.proxyId,
              typeUrl: p.typeUrl,
              ...(p.errorDetail ? { errorDetail: p.errorDetail } : {}),
              atMs: Number(p.atMs),
            })),
          ),
        );
        return;
      case "applied":
        if (att.ready) this.status_.bridgeApplied(att.bridgeId, Number(msg.msg.value.revision), Date.now());
        return;
      case "discovered":
        if (att.ready) await this.onDiscovered(att.bridgeId, msg.msg.value.workloads);
        return;
      case undefined:
        throw new Error("empty BridgeMessage");
      default:
        return assertNever(msg.msg);
    }
  }

  private async onHello(ws: WebSocket, att: Attachment, hello: Hello): Promise<void> {
    const records = new ZoneTokenStore(this.env.DB);
    const token = await checkZoneToken({ zone: att.zone, token: hello.token, env: this.env, records, sql: this.ctx.storage.sql, nowMs: Date.now() });
    if (!token.ok) {
      this.send(ws, { case: "refused", value: token.refused });
      ws.close(4001, token.refused.code);
      return;
    }
    att = { ...att, tokenId: token.tokenId };
    ws.serializeAttachment(att);
    if (hello.zone !== att.zone) {
      this.send(ws, {
        case: "refused",
        value: { code: "wrong_zone", message: `this is zone "${att.zone}", the bridge says "${hello.zone}"`, retryAfterMs: 30_000n },
      });
      ws.close(4003, "wrong zone");
      return;
    }
    if (!hello.bridgeId) throw new Error("Hello without bridge_id");
    // Learn of writes made while nobody was connected; serve what we have if D1 is away.
    await this.pullSafely();

    const head = this.zone.head();
    const from = Number(hello.lastRevision);
    // Same revision but another checksum: the bridge's copy diverged (a bug
    // or a corrupt cache). Only a snapshot repairs that.
    const diverged = from === head.revision && hello.checksum !== head.checksum;
    const changed = from > 0 && !diverged ? this.zone.changedSince(from) : undefined;
    const snapshot = changed === undefined;

    this.send(ws, { case: "welcome", value: { zone: att.zone, revision: BigInt(head.revision), snapshot } });
    const frames = snapshot
      ? encodeUpdate({ ...head, fromRevision: 0, snapshot: true, upserts: this.zone.allResources(), removals: [] })
      : encodeUpdate({ ...head, fromRevision: from, snapshot: false, ...this.zone.resourcesFor(changed ?? []) });
    for (const f of frames) ws.send(f);
    ws.send(this.endpointFrame());

    ws.serializeAttachment({ ...att, bridgeId: hello.bridgeId, ready: true } satisfies Attachment);
    this.status_.bridgeConnected(hello.bridgeId, Date.now());
  }

  /** Pulls every journal row after the zone's revision and pushes the change. */
  private pull(): Promise<number> {
    this.pulling = this.pulling.catch(() => 0).then(async () => {
      for (;;) {
        const before = this.zone.head().revision;
        const entries = await this.uplink.journalAfter(before, JOURNAL_PAGE);
        if (entries.length === 0) return before;
        const keys = this.zone.applyJournal(entries);
        this.broadcast(before, keys);
        this.publishApplied(keys);
        // Our own Zone document carries the ingress other zones reach us by.
        if (keys.includes(`Zone//${this.zone.meta("zone")}`)) {
          this.endpoints.queueReport();
          void this.flushInventory();
        }
        if (entries.length < JOURNAL_PAGE) return this.zone.head().revision;
      }
    });
    return this.pulling;
  }

  private async pullSafely(): Promise<void> {
    try {
      await this.pull();
    } catch (err) {
      console.error(`zone ${this.zone.meta("zone")}: journal pull failed, serving revision ${this.zone.head().revision}: ${String(err)}`);
    }
  }

  private broadcast(fromRevision: number, keys: string[]): void {
    const head = this.zone.head();
    if (head.revision === fromRevision) return;
    const frames = encodeUpdate({ ...head, fromRevision, snapshot: false, ...this.zone.resourcesFor(keys) });
    for (const ws of this.ctx.getWebSockets()) {
      if (!(ws.deserializeAttachment() as Attachment).ready) continue;
      try {
        for (const f of frames) ws.send(f);
      } catch (err) {
        console.error(`zone ${this.zone.meta("zone")}: send failed: ${String(err)}`);
      }
    }
  }

  /** Tells the event stream which resources this zone now holds at its revision. */
  private publishApplied(keys: string[]): void {
    const revision = this.zone.head().revision;
    const zone = this.zone.meta("zone") ?? "";
    const events = keys.map((key) => {
      const [kind = "", mesh = "", name = ""] = key.split("/");
      return { type: "zone-applied" as const, mesh: kind === "Mesh" ? name : mesh, kind, name, revision, zone, atMs: Date.now() };
    });
    this.ctx.waitUntil(publishEvents(this.env, events));
  }

  // ---- the endpoint layer (issue 4) -------------------------------------------

  private async onDiscovered(bridgeId: string, workloads: WireResource[]): Promise<void> {
    const decoder = new TextDecoder();
    const rows: EndpointRow[] = workloads
      .filter((w) => w.kind === "Workload")
      .map((w) => ({ key: `Workload/${w.mesh}/${w.name}`, mesh: w.mesh, name: w.name, document: decoder.decode(w.document) }));
    if (!this.endpoints.replaceDiscovered(bridgeId, rows)) return;
    this.broadcastEndpoints();
    await this.flushInventory();
  }

  /** Sends the queued inventory upstream; on failure it stays queued for the alarm. */
  private async flushInventory(): Promise<void> {
    const zone = this.zone.meta("zone");
    if (!zone) return;
    const report = this.endpoints.outbox(zone, this.ownIngress(zone));
    if (!report) return;
    try {
      await this.uplink.report(report);
      this.endpoints.delivered(report.seq);
    } catch (err) {
      console.error(`zone ${zone}: inventory report ${report.seq} queued: ${String(err)}`);
      await this.scheduleAlarm();
    }
  }

  private async refreshRemote(): Promise<void> {
    const zone = this.zone.meta("zone");
    if (!zone) return;
    try {
      if (this.endpoints.replaceRemote(await this.uplink.remote(zone))) this.broadcastEndpoints();
    } catch (err) {
      console.error(`zone ${zone}: remote inventory not refreshed: ${String(err)}`);
    }
  }

  private ownIngress(zone: string): ZoneSpec["ingress"] | null {
    const row = this.zone.resourcesFor([`Zone//${zone}`]).upserts[0];
    return row ? ((JSON.parse(row.document) as { spec: ZoneSpec }).spec.ingress ?? null) : null;
  }

  private endpointFrame(): Uint8Array {
    const encoder = new TextEncoder();
    return toBinary(
      ZoneMessageSchema,
      create(ZoneMessageSchema, {
        msg: {
          case: "endpoints",
          value: {
            version: BigInt(this.endpoints.version),
            workloads: this.endpoints.all().map((r) => ({ kind: "Workload", mesh: r.mesh, name: r.name, document: encoder.encode(r.document) })),
          },
        },
      }),
    );
  }

  private broadcastEndpoints(): void {
    const frame = this.endpointFrame();
    for (const ws of this.ctx.getWebSockets()) {
      if (!(ws.deserializeAttachment() as Attachment).ready) continue;
      try {
        ws.send(frame);
      } catch (err) {
        console.error(`zone ${this.zone.meta("zone")}: send failed: ${String(err)}`);
      }
    }
  }

  private send(ws: WebSocket, msg: MessageInitShape<typeof ZoneMessageSchema>["msg"]): void {
    ws.send(toBinary(ZoneMessageSchema, create(ZoneMessageSchema, { msg })));
  }

  private forget(ws: WebSocket): void {
    const att = ws.deserializeAttachment() as Attachment | null;
    if (att?.ready) this.status_.bridgeDisconnected(att.bridgeId, Date.now());
  }

  private async scheduleAlarm(): Promise<void> {
    // Bridges to watch, or an inventory report still to deliver.
    if (this.ctx.getWebSockets().length === 0 && this.endpoints.pendingReport === 0) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + CATCH_UP_MS);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}
