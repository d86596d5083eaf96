import type { Env } from "../env.js";
import type { RolloutEvent } from "../contract/rollout-events.js";

/**
 * Sends events to the hub without letting a failure reach the caller: the
 * event stream is a convenience, the write or report it describes already
 * happened and is recorded where it belongs.
 *
 * @example ctx.waitUntil(publishEvents(env, [{ type: "written", mesh, kind, name, revision, atMs: Date.now() }]));
 */
export async function publishEvents(env: Env, events: RolloutEvent[]): Promise<void> {
  if (events.length === 0 || !env.EVENTS) return;
  try {
    await env.EVENTS.get(env.EVENTS.idFromName("events")).publish(events);
  } catch (err) {
    console.error(`events not published: ${String(err)}`);
  }
}
