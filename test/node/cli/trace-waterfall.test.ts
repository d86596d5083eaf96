import { describe, expect, it } from "vitest";
import type { RevisionTrace } from "../../../src/contract/revision-trace.js";
import { runCli } from "../../../src/cli/cli.js";
import { formatWaterfall } from "../../../src/cli/trace-waterfall.js";
import { captureIo, FakeApi } from "../support/cli-fake-api.js";

const trace: RevisionTrace = {
  revision: 15,
  zones: [
    {
      zone: "default",
      updateRevision: 15,
      uncertaintyMs: 0.1,
      hops: [
        { hop: "committed", ms: 0 },
        { hop: "zone notified", ms: 2 },
        { hop: "zone applied", ms: 10 },
        { hop: "frame sent", ms: 10 },
      ],
      bridges: [
        {
          bridgeId: "b1",
          uncertaintyMs: 0.6,
          hops: [
            { hop: "bridge received", ms: 11 },
            { hop: "translated", ms: 13 },
            { hop: "snapshot published", ms: 14 },
            { hop: "first proxy pushed", ms: 14 },
            { hop: "last proxy pushed", ms: 15 },
            { hop: "last proxy ACKed", ms: 20 },
          ],
          proxies: { pushed: 2, acked: 2 },
          slowestProxy: { proxyId: "c1", pushedMs: 15, ackedMs: 20 },
        },
      ],
    },
  ],
};

describe("the trace waterfall", () => {
  it("draws each hop from the previous one on one scale (a hop that took no time as a thin mark), with the slowest proxy", () => {
    expect(formatWaterfall(trace)).toBe(
      [
        "zone default (update 15, ±0.1 ms)",
        "  committed                 0.0 ms  |▏",
        "  zone notified             2.0 ms  |████",
        "  zone applied             10.0 ms  |    ████████████████",
        "  frame sent               10.0 ms  |                    ▏",
        "  bridge b1 (±0.6 ms): 2/2 proxies pushed at this revision ACKed",
        "    bridge received        11.0 ms  |                    ██",
        "    translated             13.0 ms  |                      ████",
        "    snapshot published     14.0 ms  |                          ██",
        "    first proxy pushed     14.0 ms  |                            ▏",
        "    last proxy pushed      15.0 ms  |                            ██",
        "    last proxy ACKed       20.0 ms  |                              ██████████",
        "    slowest proxy c1: pushed 15.0 ms, ACKed 20.0 ms",
        "",
      ].join("\n"),
    );
  });

  it("leaves hops that have not happened without a bar, and says when no zone applied the revision", () => {
    const pending: RevisionTrace = { revision: 3, zones: [{ ...trace.zones[0]!, bridges: [{ ...trace.zones[0]!.bridges[0]!, hops: [{ hop: "last proxy ACKed", ms: null }], proxies: { pushed: 1, acked: 0 }, slowestProxy: { proxyId: "c1", pushedMs: 14, ackedMs: null } }] }] };
    const text = formatWaterfall(pending);
    expect(text).toMatch(/^ {4}last proxy ACKed +- +\|$/m);
    expect(text).toContain("slowest proxy c1: pushed 14.0 ms, not ACKed yet");
    expect(formatWaterfall({ revision: 3, zones: [] })).toBe("no zone has applied revision 3 yet\n");
  });

  it("is what `status KIND NAME --trace` prints", async () => {
    const status = { kind: "HTTPRoute", mesh: "default", name: "split", revision: 15, writtenAt: "2025-06-01T12:00:00.000Z", deleted: false, zones: [], proxies: [], summary: { proxies: 0, acked: 0, nacked: 0, pending: 0, joinedLater: 0 }, done: true, trace };
    const api = new FakeApi().on("GET", "/v1/meshes/default/httproutes/split/status", status);
    const io = captureIo(api);
    expect(await runCli(["status", "httproute", "split", "--trace"], io)).toBe(0);
    expect(io.out).toBe(`HTTPRoute default/split revision 15, written 2025-06-01T12:00:00.000Z; ms after the commit, ± what the clock offsets allow\n\n${formatWaterfall(trace)}`);
    const refused = captureIo(api);
    expect(await runCli(["get", "svc", "--trace"], refused)).toBe(2);
    expect(refused.err).toContain("--trace does not apply to get");
  });
});
