import { keyString } from "../contract/resource-types.js";
import type { JournalEntry } from "../store/resource-store.js";
import type { ZoneStorage } from "./zone-storage.js";
import type { ZoneUplink } from "./zone-uplink.js";

/** Journal rows asked for per round trip. */
const JOURNAL_PAGE = 500;

/**
 * How a zone learns of committed writes: the writer hands it the rows it
 * committed (`applyPushed`, the common path), or it pulls the journal rows
 * after its own revision from D1 (through the uplink: catch-up and fallback), applies them to its storage in
 * one transaction per page, and hands each applied change to `onApplied`
 * (each changed key with the revision that changed it last, for the trace).
 * Pulls are serialised: a pull asked for while one runs starts after it, so
 * two never apply the same rows or interleave their broadcasts.
 *
 * @example
 * const pull = new JournalPull(state, uplink, (from, changed) => broadcast(from, [...changed.keys()]));
 * await pull.pullSafely();
 */
export class JournalPull {
  private pulling: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly state: ZoneStorage,
    private readonly uplink: ZoneUplink,
    /** One applied page: the revision it started from, and each key it changed -> the revision that changed it. */
    private readonly onApplied: (fromRevision: number, changed: Map<string, number>) => void,
  ) {}

  /** Pulls everything after the zone's revision; resolves with the revision reached, rejects when the uplink fails. */
  pull(): Promise<number> {
    this.pulling = this.pulling.catch(() => 0).then(async () => {
      for (;;) {
        const before = this.state.head().revision;
        const entries = await this.uplink.journalAfter(before, JOURNAL_PAGE);
        if (entries.length === 0) return before;
        this.applyPage(before, entries);
        if (entries.length < JOURNAL_PAGE) return this.state.head().revision;
      }
    });
    return this.pulling;
  }

  /**
   * Applies journal rows handed over by the writer (the sync call) when they
   * continue the zone's revision without a gap, in the same serialised chain
   * as pulls. Resolves true when the zone is then at or past their last row,
   * false when they do not continue its revision (a write the zone has not
   * seen lies between): the caller pulls.
   */
  applyPushed(entries: JournalEntry[]): Promise<boolean> {
    const run = this.pulling.catch(() => 0).then(() => {
      const before = this.state.head().revision;
      const last = entries.at(-1)?.seq ?? 0;
      if (last <= before) return before;
      // One batch's rows are consecutive; the first must be the zone's next revision (or one it already has).
      const contiguous = entries.every((e, i) => e.seq === entries[0]!.seq + i);
      if (!contiguous || entries[0]!.seq > before + 1) return before;
      this.applyPage(before, entries);
      return this.state.head().revision;
    });
    this.pulling = run;
    return run.then((reached) => reached >= (entries.at(-1)?.seq ?? 0));
  }

  /** Applies rows in one transaction and hands what changed on, each key with the revision that changed it last. */
  private applyPage(before: number, entries: JournalEntry[]): void {
    const keys = new Set(this.state.applyJournal(entries));
    const changed = new Map<string, number>();
    for (const e of entries) {
      const key = keyString(e);
      if (keys.has(key)) changed.set(key, e.seq);
    }
    if (this.state.head().revision !== before) this.onApplied(before, changed);
  }

  /** A pull whose failure is logged: the zone keeps serving what it holds (zone autonomy). */
  async pullSafely(): Promise<void> {
    try {
      await this.pull();
    } catch (err) {
      console.error(`zone ${this.state.zoneName()}: journal pull failed, serving revision ${this.state.head().revision}: ${String(err)}`);
    }
  }
}
