import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api-error.js";
import type { AppEnv } from "./app-env.js";
import { timingOf } from "./server-timing.js";

const DEFAULT_MAX_BODY = 1024 * 1024;
/** Past the limit, at most this much more is read (and discarded) so the connection stays usable. */
const MAX_DRAIN_BYTES = 32 * 1024 * 1024;

/**
 * Bounds request bodies at MAX_BODY_BYTES. A body is read up to the limit;
 * past it, the rest is read and dropped before the 413 goes out: a refusal
 * answered while the client is still sending leaves the unread bytes on a
 * keep-alive connection, and the client's next request on it then waited
 * until the connection timed out (seen with wrangler dev and undici: a
 * 1.5 MB chunked body, 35 s), and cancelling the body instead makes the
 * runtime reset the connection before the answer (an 8 MiB body: "fetch
 * failed"). A declared Content-Length past the drain bound (32 MiB more)
 * is refused unread.
 *
 * @example app.use("/v1/*", bodyLimit);
 */
export const bodyLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const body = c.req.raw.body;
  if (body === null) return next();
  const max = Number(c.env.MAX_BODY_BYTES ?? DEFAULT_MAX_BODY) || DEFAULT_MAX_BODY;
  const tooLarge = () => new ApiError("payload_too_large", `request body over ${max} bytes`, { hint: "split the bundle into several requests" });
  // Far over the bound: not worth reading. Left unread, not cancelled: a
  // cancel makes the runtime reset the connection before the 413 is out.
  const declared = Number(c.req.header("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > max + MAX_DRAIN_BYTES) throw tooLarge();
  const started = performance.now();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max + MAX_DRAIN_BYTES) {
      await reader.cancel().catch(() => undefined);
      break;
    }
    if (size <= max) chunks.push(value);
  }
  if (size > max) throw tooLarge();
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  c.req.raw = new Request(c.req.raw, { body: bytes });
  timingOf(c).add("body", performance.now() - started);
  return next();
};
