import { DurableObject } from "cloudflare:workers";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type { Env } from "../env.js";
import { BridgeMessageSchema, ZoneMessageSchema, type BridgeMessage, type Hello } from "../gen/edgeplane/zone/v1/zone_pb.js";
import { ResourceStore } from "../store/resource-store.js";
import { ProxyStatusTable, type BridgeRow, type ProxyRow } from "./proxy-status-table.js";
import { encodeUpdate } from "./zone-updates.js";
import { DEFAULT_CHANGE_LOG_ROWS, ZoneStorage } from "./zone-storage.js";

/** Per-socket identity, kept across hibernation by serializeAttachment. */
interface Attachment {
  zone: string;
  bridgeId: string;
  /** True once Hello was answered: the socket receives live updates. */
  ready: boolean;
}

export interface ZoneStatus {
  zone: string;
  revision: number;
  checksum: string;
  logFloor: number;
  bridges: BridgeRow[];
  proxies: ProxyRow[];
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
  private pulling: Promise<number> = Promise.resolve(0);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.zone = new ZoneStorage(ctx.storage, Number(env.ZONE_CHANGE_LOG_ROWS ?? "") || DEFAULT_CHANGE_LOG_ROWS);
    this.status_ = new ProxyStatusTable(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** RPC from the global plane: revision `revision` is committed; catch up to it. */
  async sync(revision: number): Promise<number> {
    if (this.zone.head().revision >= revision) return this.zone.head().revision;
    return this.pull();
  }

  /** RPC: the zone's view of itself, for the API. */
  async status(): Promise<ZoneStatus> {
    const head = this.zone.head();
    return {
      zone: this.zone.meta("zone") ?? "",
      ...head,
      bridges: this.status_.bridges(),
      proxies: this.status_.proxies(),
    };
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
    await this.scheduleAlarm();
  }

  // ---- protocol ---------------------------------------------------------------

  private async onBridgeMessage(ws: WebSocket, msg: BridgeMessage): Promise<void> {
    const att = ws.deserializeAttachment() as Attachment;
    switch (msg.msg.case) {
      case "hello":
        return this.onHello(ws, att, msg.msg.value);
      case "status":
        if (att.ready) this.status_.recordReport(att.bridgeId, msg.msg.value, Date.now());
        return;
      case "applied":
        if (att.ready) this.status_.bridgeApplied(att.bridgeId, Number(msg.msg.value.revision), Date.now());
        return;
      case undefined:
        throw new Error("empty BridgeMessage");
      default:
        return assertNever(msg.msg);
    }
  }

  private async onHello(ws: WebSocket, att: Attachment, hello: Hello): Promise<void> {
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

    ws.serializeAttachment({ ...att, bridgeId: hello.bridgeId, ready: true } satisfies Attachment);
    this.status_.bridgeConnected(hello.bridgeId, Date.now());
  }

  /** Pulls every journal row after the zone's revision and pushes the change. */
  private pull(): Promise<number> {
    this.pulling = this.pulling.catch(() => 0).then(async () => {
      const store = new ResourceStore(this.env.DB);
      for (;;) {
        const before = this.zone.head().revision;
        const entries = await store.journalAfter(before, JOURNAL_PAGE);
        if (entries.length === 0) return before;
        const keys = this.zone.applyJournal(entries);
        this.broadcast(before, keys);
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

  private send(ws: WebSocket, msg: MessageInitShape<typeof ZoneMessageSchema>["msg"]): void {
    ws.send(toBinary(ZoneMessageSchema, create(ZoneMessageSchema, { msg })));
  }

  private forget(ws: WebSocket): void {
    const att = ws.deserializeAttachment() as Attachment | null;
    if (att?.ready) this.status_.bridgeDisconnected(att.bridgeId, Date.now());
  }

  private async scheduleAlarm(): Promise<void> {
    if (this.ctx.getWebSockets().length === 0) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + CATCH_UP_MS);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}
