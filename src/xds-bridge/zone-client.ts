import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import {
  AckState,
  ProxyStatusSchema,
  RefusedSchema,
  type BridgeMessageSchema,
  type ZoneSync,
  type AdmissionState,
  type CertificateIssued,
  type CertificateRefused,
  type EndpointSet,
  type ProxyStatus,
  type Welcome,
  type ZoneMessage,
} from "../contract/zone-protocol/zone_pb.js";
import type { Resource } from "../contract/resource-types.js";
import type { Logger } from "./logger.js";
import type { TraceReportInit } from "./revision-tracer.js";
import type { TrackerChanges } from "./xds/proxy-tracker.js";
import { journalRevisionOf } from "./xds/version-info.js";
import type { ZoneClock } from "./zone-clock.js";
import type { ApplyResult, ZoneMirror } from "./zone-mirror.js";
import { AsyncQueue } from "./zone-link/async-queue.js";
import { zoneSyncClient } from "./zone-link/websocket-transport.js";

type BridgeMessageInit = MessageInitShape<typeof BridgeMessageSchema>;

/** One call of ZoneSync.Sync: what the bridge sends on it, and how to end it. */
interface Session {
  outbox: AsyncQueue<BridgeMessageInit>;
  abort: AbortController;
  /** Set by resync(): the call was ended on purpose, not by the zone. */
  resyncing: boolean;
  /** The last message's seq (zone.proto): the zone handles them in this order. */
  seq: bigint;
}

/**
 * When clock probes go after a Welcome (ms): a few early ones, because the
 * first meets the bridge busy applying what the Welcome brought (the echo
 * waits in the socket and the sample comes out skewed by half that wait;
 * the least round trip wins), then one a minute: each probe wakes a
 * hibernated zone, the text pings do not.
 */
const PROBE_AFTER_WELCOME_MS = [0, 300, 1_000, 3_000, 10_000];
const PROBE_EVERY_MS = 60_000;

export interface ZoneClientOptions {
  /** Base URL of the control plane, e.g. http://127.0.0.1:8787. */
  controlPlane: string;
  zone: string;
  bridgeId: string;
  /**
   * The zone token, read again for every Hello: a function reads the token
   * file, so a rotated token (a Kubernetes Secret updated in place) is used
   * without a restart.
   */
  token?: string | (() => string);
  mirror: ZoneMirror;
  log: Logger;
  /** Called after each whole update was applied to the mirror. */
  onApplied: (result: Extract<ApplyResult, { ok: true }>) => void;
  /** Called with each endpoint layer set the zone sends. */
  onEndpoints: (set: EndpointSet) => void;
  /** Called after each Welcome: the connection takes requests again. */
  onWelcome?: (welcome: Welcome) => void;
  /** The zone's answers to certificate requests. */
  onCertificate?: (answer: { case: "issued"; value: CertificateIssued } | { case: "refused"; value: CertificateRefused }) => void;
  /** The zone's workload-token keys and revocations (after each Welcome, and when they change). */
  onAdmission?: (state: AdmissionState) => void;
  /** The zone's clock as measured on this connection (ClockProbe / ClockEcho). */
  clock?: ZoneClock;
  /** The first frame of a live (not snapshot) update ending at `revision` arrived, before it is decoded further. */
  onUpdateReceived?: (revision: number) => void;
  pingEveryMs?: number;
  /** No pong for this long: the connection is dead, reconnect. */
  deadAfterMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The bridge's one connection to its zone, a `ZoneSync.Sync` call through the
 * Connect client (zone-link/websocket-transport.ts): the zone token in the
 * authorization header, Hello with the revision and checksum it holds, then
 * updates into the mirror. A refusal is the call's Connect error, with the
 * zone's code and retry delay in its Refused detail. Reconnects with
 * exponential backoff and jitter (never a hot loop, also when refused), and
 * keeps status reports made while disconnected until the zone is back, so
 * none is lost (only newer states of the same proxy and type replace older).
 *
 * @example
 * const client = new ZoneClient({ controlPlane, zone: "default", bridgeId, mirror, log, onApplied });
 * client.start();
 */
export class ZoneClient {
  private readonly client: Client<typeof ZoneSync>;
  private session: Session | undefined;
  private ready = false;
  private stopped = false;
  private attempt = 0;
  private forceSnapshot = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private probeEvery: NodeJS.Timeout | undefined;
  private sentToken = "";
  private tokenWatch: NodeJS.Timeout | undefined;
  private lastZoneRevision = 0;
  private lastProbe = 0;
  private probeTimers: NodeJS.Timeout[] = [];
  private readonly pendingStatus = new Map<string, ProxyStatus>();
  private readonly pendingDisconnected = new Set<string>();
  /** The latest complete set of discovered workloads; re-sent after every Welcome. */
  private discovered: Resource[] | undefined;
  private discoveredSent = true;

  constructor(private readonly opts: ZoneClientOptions) {
    const every = opts.pingEveryMs ?? 10_000;
    this.client = zoneSyncClient({
      url: `${opts.controlPlane.replace(/^http/, "ws").replace(/\/$/, "")}/v1/zones/${encodeURIComponent(opts.zone)}/connect`,
      pingEveryMs: every,
      deadAfterMs: opts.deadAfterMs ?? 3 * every,
      onSilent: (silentMs) => opts.log.warn("zone_silent", { silentMs }),
    });
  }

  get connected(): boolean {
    return this.ready;
  }

  /** The zone's revision as last heard (Welcome or an update); 0 before. */
  get zoneRevision(): number {
    return this.lastZoneRevision;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.probeTimers) clearTimeout(t);
    this.stopTokenWatch();
    clearTimeout(this.retryTimer);
    clearInterval(this.probeEvery);
    const s = this.session;
    this.session = undefined;
    s?.outbox.close();
    s?.abort.abort();
    this.ready = false;
  }

  /** Queues proxy ACK/NACK changes for the zone and sends them when connected. */
  report(changes: TrackerChanges): void {
    for (const s of changes.statuses) {
      this.pendingDisconnected.delete(s.proxyId);
      this.pendingStatus.set(
        `${s.proxyId}\u0000${s.typeUrl}`,
        create(ProxyStatusSchema, {
          proxyId: s.proxyId,
          mesh: s.mesh,
          typeUrl: s.typeUrl,
          state: s.state === "NACK" ? AckState.NACK : AckState.ACK,
          // The zone tracks rollout by journal revision, the first part of version_info.
          revision: BigInt(journalRevisionOf(s.version)),
          errorDetail: s.errorDetail,
          atMs: BigInt(s.atMs),
          heldRevision: BigInt(s.held ? journalRevisionOf(s.held.rejectedVersion) : 0),
          heldError: s.held?.errorDetail ?? "",
          heldResources: s.held?.names ?? [],
          joinedRevision: BigInt(s.joinedRevision ?? 0),
          workload: s.workload ?? "",
          service: s.service ?? "",
        }),
      );
    }
    for (const id of changes.disconnected) this.pendingDisconnected.add(id);
    this.flushStatus();
  }

  /**
   * Sends a CurrentAt (current-planner.ts) now, after any status queued
   * before it; false while disconnected, when the caller reports its records in full.
   */
  reportCurrent(c: { revision: number; mesh: string; atMs: number; proxyIds: string[]; allExcept: boolean }): boolean {
    return this.ready && this.send({ case: "currentAt", value: { ...c, revision: BigInt(c.revision), atMs: BigInt(c.atMs) } });
  }

  /** Sends a CSR for one identity; false when not connected (the caller asks again after the next Welcome). */
  requestCertificate(req: { requestId: string; mesh: string; service: string; csr: Uint8Array; bridgeIdentity?: boolean }): boolean {
    return this.ready && this.send({ case: "certificateRequest", value: req });
  }

  /** Sends the trace of the latest update; dropped while disconnected (a newer one follows). */
  reportTrace(report: TraceReportInit): void {
    if (this.ready) this.send({ case: "trace", value: report });
  }

  /** Reports the complete set of workloads this bridge discovered. */
  reportDiscovered(workloads: Resource[]): void {
    this.discovered = workloads;
    this.discoveredSent = false;
    this.flushDiscovered();
  }

  private flushDiscovered(): void {
    if (!this.ready || this.discovered === undefined || this.discoveredSent) return;
    const encoder = new TextEncoder();
    const workloads = this.discovered.map((w) => ({
      kind: "Workload",
      mesh: w.metadata.mesh ?? "",
      name: w.metadata.name,
      document: encoder.encode(JSON.stringify(w)),
    }));
    this.discoveredSent = this.send({ case: "discovered", value: { workloads } });
  }

  private flushStatus(): void {
    if (!this.ready || (this.pendingStatus.size === 0 && this.pendingDisconnected.size === 0)) return;
    const proxies = [...this.pendingStatus.values()];
    const disconnected = [...this.pendingDisconnected];
    if (this.send({ case: "status", value: { proxies, disconnected } })) {
      this.pendingStatus.clear();
      this.pendingDisconnected.clear();
    }
  }

  private connect(): void {
    if (this.stopped) return;
    this.opts.log.info("zone_connecting", { zone: this.opts.zone, attempt: this.attempt });
    const session: Session = { outbox: new AsyncQueue(), abort: new AbortController(), resyncing: false, seq: 0n };
    this.session = session;
    const m = this.opts.mirror;
    const from = this.forceSnapshot ? 0 : m.revision;
    m.resetPending();
    this.sentToken = this.currentToken();
    session.outbox.push({
      seq: ++session.seq,
      msg: {
        case: "hello",
        value: {
          zone: this.opts.zone,
          bridgeId: this.opts.bridgeId,
          lastRevision: BigInt(from),
          checksum: from === 0 ? "" : m.checksum,
          version: "edgeplane-bridge/0.2",
        },
      },
    });
    void this.run(session);
  }

  /** Reads the call until it ends, then decides when to call again. */
  private async run(session: Session): Promise<void> {
    let failure: unknown;
    try {
      const headers: Record<string, string> = this.sentToken ? { authorization: `Bearer ${this.sentToken}` } : {};
      for await (const msg of this.client.sync(session.outbox, { signal: session.abort.signal, headers })) {
        if (session !== this.session) break;
        try {
          this.onMessage(msg);
        } catch (err) {
          // The mirror cannot take what came: only a snapshot repairs that.
          this.opts.log.error("zone_frame_bad", { error: String(err) });
          this.resync("a message the bridge could not apply");
          break;
        }
      }
    } catch (err) {
      failure = err;
    }
    this.ended(session, failure);
  }

  private ended(session: Session, failure: unknown): void {
    session.outbox.close();
    if (session !== this.session) return;
    this.session = undefined;
    clearInterval(this.probeEvery);
    for (const t of this.probeTimers) clearTimeout(t);
    const wasReady = this.ready;
    this.ready = false;
    if (session.resyncing) return this.scheduleRetry(0);
    const error = failure === undefined ? new ConnectError("the zone ended the stream", Code.Unavailable) : ConnectError.from(failure);
    const refused = error.findDetails(RefusedSchema)[0];
    if (refused) {
      const retryAfterMs = Number(refused.retryAfterMs);
      this.opts.log.error("zone_refused", { code: refused.code, connectCode: Code[error.code], message: error.rawMessage, retryAfterMs });
      this.attempt = Math.max(this.attempt, 4);
      this.scheduleRetry(retryAfterMs);
      if (refused.code.startsWith("token_")) this.watchToken();
      return;
    }
    if (wasReady) this.opts.log.warn("zone_disconnected", { reason: error.message });
    else this.opts.log.warn("zone_error", { error: error.message });
    this.scheduleRetry(0);
  }

  private onMessage(msg: ZoneMessage): void {
    switch (msg.msg.case) {
      case "welcome":
        this.lastZoneRevision = Number(msg.msg.value.revision);
        this.ready = true;
        this.attempt = 0;
        this.forceSnapshot = false;
        this.opts.log.info("zone_connected", {
          zone: msg.msg.value.zone,
          zoneRevision: Number(msg.msg.value.revision),
          from: this.opts.mirror.revision,
          snapshot: msg.msg.value.snapshot,
        });
        this.flushStatus();
        this.discoveredSent = false;
        this.flushDiscovered();
        this.opts.onWelcome?.(msg.msg.value);
        // A new connection may take another path: measure the offset again.
        this.opts.clock?.reset();
        for (const t of this.probeTimers) clearTimeout(t);
        this.probeTimers = PROBE_AFTER_WELCOME_MS.map((ms) => setTimeout(() => this.probeClock(), ms));
        clearInterval(this.probeEvery);
        this.probeEvery = setInterval(() => this.probeClock(), PROBE_EVERY_MS);
        return;
      case "clockEcho":
        this.opts.clock?.echoed(msg.msg.value.bridgeSentMs, msg.msg.value.zoneMs);
        return;
      case "endpoints":
        this.opts.onEndpoints(msg.msg.value);
        return;
      case "update": {
        const u = msg.msg.value;
        if (!u.snapshot && u.chunk === 0) this.opts.onUpdateReceived?.(Number(u.revision));
        this.lastZoneRevision = Math.max(this.lastZoneRevision, Number(msg.msg.value.revision));
        const result = this.opts.mirror.apply(msg.msg.value);
        if (result === undefined) return;
        if (!result.ok) return this.resync(result.reason);
        for (const s of result.skipped) this.opts.log.error("resource_quarantined", s);
        this.send({ case: "applied", value: { revision: BigInt(result.revision) } });
        this.opts.onApplied(result);
        return;
      }
      case "discoveryRefused":
        // The zone left these out of its endpoint layer; the rest of the set was taken.
        for (const r of msg.msg.value.refused) this.opts.log.error("discovered_refused", { kind: r.kind, mesh: r.mesh, name: r.name, reason: r.reason });
        return;
      case "refused":
        // The first protocol's refusal; a Connect zone refuses with the call's error instead.
        this.opts.log.error("zone_refused", { code: msg.msg.value.code, message: msg.msg.value.message });
        return;
      case "certificateIssued":
        this.opts.onCertificate?.({ case: "issued", value: msg.msg.value });
        return;
      case "certificateRefused":
        this.opts.onCertificate?.({ case: "refused", value: msg.msg.value });
        return;
      case "admission":
        this.opts.onAdmission?.(msg.msg.value);
        return;
      case undefined:
        return;
    }
  }

  private probeClock(): void {
    const clock = this.opts.clock;
    if (!clock || !this.ready) return;
    this.lastProbe = Date.now();
    this.send({ case: "clockProbe", value: { bridgeSentMs: clock.now() } });
  }

  /** The mirror cannot continue: end the call and ask for a snapshot. */
  private resync(reason: string): void {
    this.opts.log.warn("zone_resync", { reason });
    this.forceSnapshot = true;
    const s = this.session;
    if (!s) return;
    s.resyncing = true;
    s.abort.abort();
  }

  private currentToken(): string {
    const t = this.opts.token;
    if (typeof t !== "function") return t ?? "";
    try {
      return t();
    } catch (err) {
      this.opts.log.error("token_unreadable", { error: String(err) });
      return this.sentToken;
    }
  }

  /**
   * Refused for its token: while waiting out the zone's retry delay, look at
   * the token file every second and try at once when it changed (someone
   * put a new token there); the wait is for people, not for a fixed file.
   */
  private watchToken(): void {
    if (typeof this.opts.token !== "function" || this.tokenWatch) return;
    this.tokenWatch = setInterval(() => {
      if (this.stopped || this.ready) return this.stopTokenWatch();
      if (this.currentToken() === this.sentToken) return;
      this.opts.log.info("token_changed", {});
      this.stopTokenWatch();
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.connect();
    }, 1_000);
  }

  private stopTokenWatch(): void {
    clearInterval(this.tokenWatch);
    this.tokenWatch = undefined;
  }

  private scheduleRetry(atLeastMs: number): void {
    if (this.stopped || this.retryTimer) return;
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 30_000;
    const base = Math.min(max, min * 2 ** this.attempt);
    const delay = Math.max(atLeastMs, base * (0.8 + Math.random() * 0.4));
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  private send(msg: BridgeMessageInit["msg"]): boolean {
    const s = this.session;
    if (!s || !s.outbox.open) return false;
    s.outbox.push({ msg, seq: ++s.seq });
    return true;
  }
}
