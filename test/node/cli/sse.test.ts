/** Server-Sent Events parsing (`sse.ts`). */
import { describe, expect, it } from "vitest";
import { readSse } from "../../../src/cli/sse.js";

describe("Server-Sent Events", () => {
  async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield new TextEncoder().encode(p);
  }

  it("parses events split anywhere across chunks, with any line ending", async () => {
    const events = [];
    for await (const e of readSse(chunks(": hello\nretry: 1000\n\n", "id: 1\nevent: written\r", "\ndata: {\"a\"", ":1}\r\n\r\nevent: proxy-acked\rdata: x\rdata: y\r\r", "data: no-name\n\n", "event: cut\ndata: z\n"))) events.push(e);
    expect(events).toEqual([
      { event: "written", data: '{"a":1}', id: "1" },
      { event: "proxy-acked", data: "x\ny", id: "1" },
      { event: "message", data: "no-name", id: "1" },
    ]);
  });
});
