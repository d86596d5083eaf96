import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { lineSink } from "../../../src/xds-bridge/log-sink.js";

describe("lineSink", () => {
  it("writes the lines of one turn as one chunk, in order, when the turn ends", () => {
    const chunks: string[] = [];
    const scheduled: (() => void)[] = [];
    const write = lineSink((c) => chunks.push(c), (f) => scheduled.push(f), () => undefined);
    write("a\n");
    write("b\n");
    write("c\n");
    expect(chunks).toEqual([]);
    expect(scheduled).toHaveLength(1);
    scheduled[0]!();
    expect(chunks).toEqual(["a\nb\nc\n"]);
    write("d\n");
    expect(scheduled).toHaveLength(2);
    scheduled[1]!();
    expect(chunks).toEqual(["a\nb\nc\n", "d\n"]);
  });

  it("lets nothing pending be lost when the process exits at once", () => {
    // A child that logs and exits in the same turn: the lines must still reach its stdout.
    const code = `import { stdoutLines } from ${JSON.stringify(new URL("../../../src/xds-bridge/log-sink.ts", import.meta.url).pathname)};
      const w = stdoutLines(); for (let i = 0; i < 3; i++) w("line " + i + "\\n"); process.exit(3);`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8" });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("line 0\nline 1\nline 2\n");
  });
});
