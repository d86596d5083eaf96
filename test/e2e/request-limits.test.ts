/**
 * Hardening 16, against the real local runtime (wrangler dev): a body over
 * the limit is refused with 413, and the client's next request on the same
 * keep-alive connection is answered at once. Before the fix, a 1.5 MB
 * chunked body left its unread rest on the connection and the next request
 * hung until the connection timed out (35 s here); an 8 MiB body that the
 * Worker cancelled reset the connection ("fetch failed").
 */
import { adminHeaders } from "../../scripts/lib/api-caller.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/ports.js";
import { startWrangler, type Wrangler } from "../../scripts/lib/processes.js";

let wrangler: Wrangler | undefined;
let state: string;

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), "edgeplane-limits-"));
  wrangler = await startWrangler({ port: await freePort(), stateDir: state });
});

afterAll(async () => {
  await wrangler?.stop();
  rmSync(state, { recursive: true, force: true });
});

const MIB = 1024 * 1024;

function chunked(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(64 * 1024, size - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x61));
    },
  });
}

describe("bodies over the limit", () => {
  for (const [label, size, asStream] of [
    ["1.5 MB chunked", 1.5 * MIB, true],
    ["1.5 MB with Content-Length", 1.5 * MIB, false],
    ["8 MiB chunked", 8 * MIB, true],
    ["8 MiB with Content-Length", 8 * MIB, false],
  ] as const) {
    it(`refuses ${label} with 413 and answers the next request on the connection`, async () => {
      const url = `${wrangler!.url}/v1/meshes/default/services/too-big`;
      const body = asStream ? chunked(size) : new Uint8Array(size).fill(0x61);
      const init = { method: "PUT", headers: { ...adminHeaders(wrangler!), "content-type": "application/json" }, body, duplex: "half", signal: AbortSignal.timeout(20_000) };
      const refused = await fetch(url, init as RequestInit);
      expect(refused.status).toBe(413);
      expect(((await refused.json()) as { code: string }).code).toBe("payload_too_large");
      // Same undici pool, so the same kept-alive connection: it must not hang.
      const next = await fetch(`${wrangler!.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect(next.status).toBe(200);
      expect((await fetch(`${wrangler!.url}/v1/meshes/default/services/too-big`, { headers: adminHeaders(wrangler!), signal: AbortSignal.timeout(10_000) })).status).toBe(404);
    });
  }
});
