/** Argument parsing (`args.ts`, checked against `command-specs.ts`). */
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../../src/cli/args.js";
import { exitCodeOf, UsageError } from "../../../src/cli/errors.js";

describe("argument parsing", () => {
  it("reads the command, its arguments and options, with defaults", () => {
    const line = parseCommandLine(["get", "svc", "echo", "-m", "prod", "-o", "json", "--server", "http://x:1"]);
    expect(line.command).toBe("get");
    expect(line.args).toEqual(["svc", "echo"]);
    expect(line.options).toMatchObject({ mesh: "prod", output: "json", server: "http://x:1", wait: false, timeoutMs: 60_000 });
    expect([...line.given].sort()).toEqual(["mesh", "output", "server"]);
    expect(parseCommandLine(["proxies"]).options).toMatchObject({ mesh: "default", output: "table" });
  });

  it("takes several -f, stdin as -, --wait with durations in several forms", () => {
    expect(parseCommandLine(["apply", "-f", "a.yaml", "-f", "-", "--filename", "dir"]).options.files).toEqual(["a.yaml", "-", "dir"]);
    expect(parseCommandLine(["apply", "-f", "a", "--wait", "--timeout", "2m"]).options.timeoutMs).toBe(120_000);
    expect(parseCommandLine(["apply", "-f", "a", "--wait", "--timeout", "1m30s"]).options.timeoutMs).toBe(90_000);
    expect(parseCommandLine(["apply", "-f", "a", "--wait", "--timeout", "5"]).options.timeoutMs).toBe(5_000);
    expect(parseCommandLine(["apply", "-f", "a", "--wait", "--timeout", "500ms"]).options.timeoutMs).toBe(500);
    expect(parseCommandLine(["diff", "route", "r", "--from", "3", "--to", "7"]).options).toMatchObject({ from: 3, to: 7 });
  });

  it.each([
    [["apply"], /apply needs --filename/],
    [["apply", "-f"], /argument missing/],
    [["get"], /get needs more arguments/],
    [["get", "svc", "a", "b"], /at most 2/],
    [["get", "svc", "--bogus"], /Unknown option '--bogus'/],
    [["get", "svc", "--from", "3"], /--from does not apply to get/],
    [["diff", "svc", "a"], /diff needs --from/],
    [["diff", "svc", "a", "--from", "x"], /--from takes a revision number/],
    [["rollback", "svc", "a"], /rollback needs --to/],
    [["get", "svc", "-o", "xml"], /-o takes table, json or yaml/],
    [["apply", "-f", "a", "--timeout", "5s"], /--timeout applies with --wait/],
    [["apply", "-f", "a", "--wait", "--timeout", "soon"], /--timeout takes a duration/],
    [["apply", "-f", "a", "--wait", "--dry-run"], /exclude each other/],
    [["config-dump", "p1"], /config-dump needs --bridge/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ])("refuses %j as a usage error", (argv, message) => {
    let err: unknown;
    try {
      parseCommandLine(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect(exitCodeOf(err)).toBe(2);
  });

  it("does not judge the rest of the line when --help is given", () => {
    expect(parseCommandLine(["apply", "--help"]).options.help).toBe(true);
  });
});
