import type { Kind } from "../contract/resource-types.js";
import type { ApiClient } from "./http-client.js";
import { readSse, type SseEvent } from "./sse.js";


export interface EventSubscription {
  /** Resolves true once the stream is open, false when the API offers no stream (older API, proxy in between). */
  readonly opened: Promise<boolean>;
  /** Resolves when the stream ends or fails, never rejects. */
  readonly closed: Promise<void>;
}

/**
 * Follows `GET /v1/events?mesh=M&kind=K&name=N`, calling `onEvent` for each
 * Server-Sent Event until `signal` aborts or the stream ends. Never throws:
 * callers use events only to look again sooner, and keep polling when the
 * stream is missing or breaks.
 *
 * @example
 * const sub = subscribeResourceEvents(client, { kind: "HTTPRoute", mesh: "default", name: "split" }, () => waker.poke(), ac.signal);
 * if (!(await sub.opened)) console.error("no event stream; polling");
 */
export function subscribeResourceEvents(
  client: ApiClient,
  target: { kind: Kind; mesh: string; name: string },
  onEvent: (e: SseEvent) => void,
  signal: AbortSignal,
): EventSubscription {
  let setOpened: (ok: boolean) => void = () => {};
  const opened = new Promise<boolean>((resolve) => (setOpened = resolve));
  const closed = (async () => {
    try {
      const res = await client.open("/v1/events", {
        query: { mesh: target.mesh, kind: target.kind, name: target.name },
        signal,
      });
      if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
        setOpened(false);
        await res.body?.cancel();
        return;
      }
      setOpened(true);
      for await (const e of readSse(res.body)) onEvent(e);
    } catch {
      // Missing route, refused connection, abort: all mean "poll instead".
    } finally {
      setOpened(false);
    }
  })();
  return { opened, closed };
}
