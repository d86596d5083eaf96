import { DurableObject } from "cloudflare:workers";
import { keyString } from "../contract/resource-types.js";
import type { RevisionReach } from "../contract/propagation.js";
import type { ZoneStatus } from "../contract/zone-status.js";
import type { BridgeMessage } from "../contract/zone-protocol/zone_pb.js";
import type { ZoneTraceRecord } from "../contract/revision-trace.js";
import type { Env, SyncAnswer, ZoneRpc } from "../env.js";
import type { JournalEntry } from "../store/resource-store.js";
import { publishEvents } from "../events/publish.js";
import { MAX_TTL_SECONDS } from "../global/zone-tokens.js";
import { BridgeHandshake, CLOSE } from "./bridge-handshake.js";
import { BridgeFrames } from "./bridge-frames.js";
import { BridgeSockets, type Refusal } from "./bridge-sockets.js";
import { CertificateSigner } from "./certificate-signer.js";
import { EndpointLayer } from "./endpoint-layer.js";
import { InventorySync } from "./inventory-sync.js";
import { JournalPull } from "./journal-pull.js";
import { ProxyStatusTable } from "./proxy-status-table.js";
import { RevisionReachTable } from "./revision-reach.js";
import { RevisionTraces } from "./revision-traces.js";
import { TokenMemory } from "./token-memory.js";
import { ZoneAdmission } from "./zone-admission.js";
import { tokenRefusal } from "./token-refusal.js";
import { ReportIntake } from "./report-intake.js";
import { appliedEvents } from "./zone-events.js";
import { DEFAULT_CHANGE_LOG_ROWS, ZoneStorage } from "./zone-storage.js";
import { encodeEndpoints, encodeUpdate } from "./zone-updates.js";
import { ZoneUplink } from "./zone-uplink.js";

/** How often a zone with bridges checks the journal head for writes it was not told about. */
const CATCH_UP_MS = 5_000;
/** A bridge whose text pings stopped this long ago is considered gone. */
const BRIDGE_SILENCE_MS = 45_000;
/** How long a disconnected proxy stays listed (as STALE) before it is forgotten; PROXY_RETENTION_SECONDS overrides. */
const DEFAULT_PROXY_RETENTION_S = 3_600;
/** A socket must say Hello within this long after the upgrade. */
const HELLO_TIMEOUT_MS = 10_000;

/**
 * One zone: the Durable Object's lifecycle and RPC surface, delegating to
 * its parts (partyserver's split between the server and its connections):
 * `ZoneStorage` (resources, change log, head), `JournalPull` (learning of
 * writes), `BridgeSockets` (the hibernatable WebSockets and their
 * attachments), `BridgeHandshake` (Hello), `ProxyStatusTable` (ACK/NACK),
 * `EndpointLayer` + `InventorySync` (discovery), `CertificateSigner` (CSRs)
 * and `ZoneUplink` (every call to D1 and the global plane).
 *
 * Liveness: bridges send the text frame "ping" and the runtime answers "pong"
 * without waking the object (setWebSocketAutoResponse); the alarm closes
 * sockets whose pings stopped.
 */
export class ZoneDurableObject extends DurableObject<Env> implements ZoneRpc {
  // Built in assemble(): again on empty storage after retire().
  private state!: ZoneStorage;
  private proxyStatus!: ProxyStatusTable;
  private reach!: RevisionReachTable;
  private endpoints!: EndpointLayer;
  private uplink!: ZoneUplink;
  private sockets!: BridgeSockets;
  private frames!: BridgeFrames;
  private journal!: JournalPull;
  private inventory!: InventorySync;
  private handshake!: BridgeHandshake;
  private signer!: CertificateSigner;
  private admission!: ZoneAdmission;
  private traces!: RevisionTraces;
  private intake!: ReportIntake;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.assemble();
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  private assemble(): void {
    const { ctx, env } = this;
    this.state = new ZoneStorage(ctx.storage, Number(env.ZONE_CHANGE_LOG_ROWS ?? "") || DEFAULT_CHANGE_LOG_ROWS);
    this.proxyStatus = new ProxyStatusTable(ctx.storage.sql);
    this.reach = new RevisionReachTable(ctx.storage.sql);
    this.intake = new ReportIntake(this.proxyStatus, this.reach, (events) => this.ctx.waitUntil(publishEvents(env, events)));
    this.endpoints = new EndpointLayer(ctx.storage.sql);
    this.traces = new RevisionTraces(ctx.storage.sql);
    this.uplink = new ZoneUplink(env, ctx.storage);
    this.admission = new ZoneAdmission(ctx.storage.sql, this.uplink);
    this.signer = new CertificateSigner(ctx.storage.sql, this.state, this.endpoints, this.uplink);
    this.sockets = new BridgeSockets(ctx, () => this.state.zoneName());
    this.frames = new BridgeFrames(this.sockets);
    this.journal = new JournalPull(this.state, this.uplink, (from, changed) => this.applied(from, changed));
    this.inventory = new InventorySync(this.endpoints, this.state, this.uplink, () => this.broadcastEndpoints(), () => this.scheduleAlarm());
    this.handshake = new BridgeHandshake({
      env,
      sockets: this.sockets,
      state: this.state,
      endpoints: this.endpoints,
      uplink: this.uplink,
      sql: ctx.storage.sql,
      catchUp: () => this.journal.pullSafely(),
      refuse: (ws, refusal, code) => this.drop(ws, refusal, code),
      admitted: (bridgeId, ws) => {
        this.proxyStatus.bridgeConnected(bridgeId, Date.now());
        this.sockets.send(ws, this.admission.frame());
        // A zone that never read it (new, or woken after a change it missed) catches up; a change is broadcast.
        this.ctx.waitUntil(this.refreshAdmission());
      },
      background: (work) => this.ctx.waitUntil(work),
    });
  }

  async sync(revision: number, rows: JournalEntry[] = []): Promise<SyncAnswer> {
    const receivedMs = Date.now();
    this.traces.notified(revision, receivedMs);
    // The rows the writer committed, when they continue our revision, spare the D1 round trip.
    if (rows.length > 0 && this.state.head().revision < revision) await this.journal.applyPushed(rows);
    // Otherwise pull. A failed pull is logged and left to the alarm; the caller only learns how far the zone got.
    if (this.state.head().revision < revision) await this.journal.pullSafely();
    return { revision: this.state.head().revision, receivedMs, answeredMs: Date.now() };
  }

  async recordCommit(revision: number, committedMs: number, uncertaintyMs: number): Promise<void> {
    this.traces.recordCommit(revision, committedMs, uncertaintyMs);
  }

  async revisionTrace(key: string): Promise<ZoneTraceRecord | null> {
    return this.traces.forKey(key) ?? null;
  }

  async admissionChanged(): Promise<void> {
    await this.refreshAdmission();
  }

  /** Reads workload-token keys and revocations from D1 and pushes them to the bridges when they changed. */
  private async refreshAdmission(): Promise<void> {
    try {
      if (!(await this.admission.refresh())) return;
    } catch (err) {
      console.error(`zone ${this.state.zoneName()}: admission state not refreshed: ${String(err)}`);
      return;
    }
    for (const ws of this.sockets.ready()) this.sockets.send(ws, this.admission.frame());
  }

  async propagation(mesh: string, revisions: number[]): Promise<RevisionReach[]> {
    return this.reach.of(mesh, revisions);
  }

  async status(): Promise<ZoneStatus> {
    // Connected means a live socket that still pings, not what a row says:
    // rows outlive sockets whose close the runtime never reported (a restart).
    const live = this.tidy(Date.now());
    return {
      zone: this.state.zoneName(),
      ...this.state.head(),
      bridges: this.proxyStatus.bridges().map((b) => ({
        ...b,
        connected: live.has(b.bridgeId),
        lastSeenMs: Math.max(b.lastSeenMs, live.get(b.bridgeId) ?? 0),
      })),
      proxies: this.proxyStatus.proxies().map((p) => ({ ...p, connected: p.connected && live.has(p.bridgeId) })),
      endpoints: {
        version: this.endpoints.version,
        discovered: this.endpoints.discovered().length,
        total: this.endpoints.all().length,
        pendingReport: this.endpoints.pendingReport,
      },
      identities: this.signer.issued(Date.now()),
    };
  }

  async revokeToken(tokenId: string): Promise<number> {
    // The expiry is not known here; a revocation outlives any token.
    new TokenMemory(this.ctx.storage.sql).remember(tokenId, "revoked", Date.now() + MAX_TTL_SECONDS * 1000, Date.now());
    let closed = 0;
    for (const ws of this.sockets.all()) {
      const att = this.sockets.attachment(ws);
      if (att.tokenId !== tokenId) continue;
      this.drop(ws, tokenRefusal("token_revoked", att.zone), CLOSE.token);
      closed++;
    }
    return closed;
  }

  async retire(): Promise<void> {
    for (const ws of this.sockets.all()) {
      this.drop(ws, { code: "zone_deleted", message: `zone "${this.sockets.attachment(ws).zone}" was deleted`, retryAfterMs: 60_000n }, CLOSE.zoneDeleted);
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // The tables are gone with the storage: build the parts again on empty storage.
    this.assemble();
  }

  async remoteInventoryChanged(): Promise<void> {
    await this.inventory.refreshRemote();
    await this.refreshAdmission();
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
    // Nothing is recorded for the zone until a bridge's Hello is authenticated.
    const client = this.sockets.accept(decodeURIComponent(match[1]!));
    await this.scheduleAlarm();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    // One bad frame must never take the zone down: end that bridge's stream saying why, log it, go on.
    try {
      for (const msg of this.frames.read(ws, data)) await this.onBridgeMessage(ws, msg);
    } catch (err) {
      console.error(`zone ${this.state.zoneName()}: bad frame: ${String(err)}`);
      this.drop(ws, { code: "bad_frame", message: String(err), retryAfterMs: 1000n }, CLOSE.protocol);
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
    this.tidy(now);
    for (const ws of this.sockets.all()) {
      const att = this.sockets.attachment(ws);
      if (!att.helloSeen && now - att.acceptedAtMs > HELLO_TIMEOUT_MS) {
        this.drop(ws, { code: "protocol_error", message: `no Hello within ${HELLO_TIMEOUT_MS} ms`, retryAfterMs: 1_000n }, CLOSE.noHello);
      } else if (att.ready && now - this.lastHeard(ws, att.acceptedAtMs) > BRIDGE_SILENCE_MS) {
        this.drop(ws, { code: "silent", message: `no ping for ${BRIDGE_SILENCE_MS} ms`, retryAfterMs: 0n }, CLOSE.silent);
      }
    }
    await this.catchUp();
    await this.scheduleAlarm();
  }

  /**
   * Brings stored status in line with the live sockets (rows a restart left
   * "connected" are marked gone) and forgets proxies gone longer than the
   * retention period. Returns the live bridges.
   */
  private tidy(nowMs: number): Map<string, number> {
    const live = this.liveBridges(nowMs);
    for (const b of this.proxyStatus.bridges()) if (b.connected && !live.has(b.bridgeId)) this.proxyStatus.bridgeDisconnected(b.bridgeId, nowMs);
    const retentionS = Number(this.env.PROXY_RETENTION_SECONDS ?? "");
    this.proxyStatus.expire(nowMs, (Number.isFinite(retentionS) && retentionS >= 0 && this.env.PROXY_RETENTION_SECONDS ? retentionS : DEFAULT_PROXY_RETENTION_S) * 1000);
    this.reach.forgetGone();
    return live;
  }

  /** Bridge id -> when it was last heard, for every ready socket that still pings. */
  private liveBridges(nowMs: number): Map<string, number> {
    const live = new Map<string, number>();
    for (const ws of this.sockets.ready()) {
      const att = this.sockets.attachment(ws);
      const heard = this.lastHeard(ws, att.acceptedAtMs);
      if (nowMs - heard <= BRIDGE_SILENCE_MS) live.set(att.bridgeId, Math.max(heard, live.get(att.bridgeId) ?? 0));
    }
    return live;
  }

  /** The last ping the runtime answered on `ws`, or when it was accepted. */
  private lastHeard(ws: WebSocket, acceptedAtMs: number): number {
    return Math.max(this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0, acceptedAtMs);
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
        return this.intake.status(att.zone, att.bridgeId, att.acceptedAtMs, msg.msg.value, Date.now());
      case "currentAt":
        if (!att.ready) return;
        return this.intake.current(att.zone, att.bridgeId, att.acceptedAtMs, msg.msg.value, Date.now());
      case "applied":
        if (att.ready) this.proxyStatus.bridgeApplied(att.bridgeId, Number(msg.msg.value.revision), Date.now());
        return;
      case "clockProbe":
        // Answered at once, so the bridge's round trip is nearly all wire time.
        if (att.ready) this.sockets.send(ws, { case: "clockEcho", value: { bridgeSentMs: msg.msg.value.bridgeSentMs, zoneMs: Date.now() } });
        return;
      case "trace":
        if (att.ready) this.traces.recordBridge(att.bridgeId, msg.msg.value);
        return;
      case "discovered": {
        if (!att.ready) return;
        const { refused, flushed } = this.inventory.onDiscovered(att.bridgeId, msg.msg.value.workloads);
        // Answered before the upstream report's D1 round trip, so answers keep the order of the reports.
        if (refused.length > 0) this.sockets.send(ws, { case: "discoveryRefused", value: { refused } });
        await flushed;
        return;
      }
      case "certificateRequest": {
        if (!att.ready) return;
        const req = msg.msg.value;
        const out = await this.signer.sign(att.zone, att.bridgeId, req, Date.now());
        const ids = { requestId: req.requestId, mesh: req.mesh, service: req.service };
        if (out.ok) {
          const { ok: _ok, issuedAtMs, notAfterMs, renewAtMs, ...pems } = out;
          this.sockets.send(ws, { case: "certificateIssued", value: { ...ids, ...pems, issuedAtMs: BigInt(issuedAtMs), notAfterMs: BigInt(notAfterMs), renewAtMs: BigInt(renewAtMs) } });
        } else {
          console.log(`zone ${att.zone}: refused a certificate for ${req.mesh}/${req.service} to bridge ${att.bridgeId}: ${out.code}`);
          this.sockets.send(ws, { case: "certificateRefused", value: { ...ids, code: out.code, message: out.message, retryAfterMs: BigInt(out.retryAfterMs) } });
        }
        return;
      }
      case undefined:
        throw new Error("empty BridgeMessage");
      default:
        return assertNever(msg.msg);
    }
  }

  /**
   * A pulled page changed these keys: push the change, note its hops in the
   * trace, tell the event stream, and report our own ingress if it moved.
   * (The runtime's clock advances only at I/O, so "applied" and "sent" read
   * the time the journal rows arrived unless a send had to wait.)
   */
  private applied(fromRevision: number, changed: Map<string, number>): void {
    const head = this.state.head();
    const keys = [...changed.keys()];
    const appliedMs = Date.now();
    this.sockets.broadcast(encodeUpdate({ ...head, fromRevision, snapshot: false, ...this.state.resourcesFor(keys) }));
    this.traces.recordUpdate(head.revision, changed, appliedMs, Date.now());
    const zone = this.state.zoneName();
    this.ctx.waitUntil(publishEvents(this.env, appliedEvents(zone, head.revision, keys, Date.now())));
    // Our own Zone document carries the ingress other zones reach us by.
    if (keys.includes(keyString({ kind: "Zone", mesh: "", name: zone }))) void this.inventory.ownZoneChanged();
  }

  private broadcastEndpoints(): void {
    this.sockets.broadcast([encodeEndpoints(this.endpoints.version, this.endpoints.all())]);
  }

  /** Refuses and closes a socket, forgetting its bridge first. */
  private drop(ws: WebSocket, refusal: Refusal, closeCode: number): void {
    this.forget(ws);
    this.sockets.refuse(ws, refusal, closeCode);
  }

  /** The socket is gone: its bridge is disconnected unless another socket of it took over. */
  private forget(ws: WebSocket): void {
    this.frames.forget(ws);
    const att = this.sockets.attachment(ws);
    if (!att.ready) return;
    this.sockets.update(ws, { ready: false });
    if (this.sockets.holdersOf(att.bridgeId, ws).length === 0) this.proxyStatus.bridgeDisconnected(att.bridgeId, Date.now());
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
