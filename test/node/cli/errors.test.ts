/** How failures are printed and which exit code they give (`errors.ts`). */
import { describe, expect, it } from "vitest";
import { ApiRequestError, CliError, exitCodeOf, formatError, toApiErrorBody } from "../../../src/cli/errors.js";

describe("errors", () => {
  it("prints every field of an API error, and where the document came from", () => {
    const err = new ApiRequestError(422, { code: "invalid_field", message: "document 1: port must be 1..65535", field: "spec.ports[0].port", hint: "use a port number", document: 1 });
    expect(formatError(err)).toBe(
      "error: invalid_field (HTTP 422): document 1: port must be 1..65535\n  field: spec.ports[0].port\n  hint:  use a port number\n  document: 1\n",
    );
    expect(formatError(err.locatedAt("demo.yaml:25"))).toContain("  in:    demo.yaml:25\n");
    expect(exitCodeOf(err)).toBe(1);
  });

  it("prints every fault of a refused document, the first as before and the others below it", () => {
    const text = JSON.stringify({
      code: "invalid_field",
      message: "spec.a must be a string",
      field: "spec.a",
      errors: [
        { code: "invalid_field", field: "spec.a", message: "spec.a must be a string" },
        { code: "unknown_field", field: "spec.b", message: "spec.b is not a known field" },
        { code: "invalid_field", field: "spec.c", message: "spec.c must be from 1 to 9; got 0", hint: "a count" },
      ],
    });
    expect(formatError(new ApiRequestError(422, toApiErrorBody(422, text)))).toBe(
      "error: invalid_field (HTTP 422): spec.a must be a string\n  field: spec.a\n  2 more:\n    spec.b: spec.b is not a known field\n    spec.c: spec.c must be from 1 to 9; got 0 (hint: a count)\n",
    );
  });

  it("reads error bodies that are not the API's shape", () => {
    expect(toApiErrorBody(502, "<html>Bad Gateway</html>")).toEqual({ code: "http_502", message: "<html>Bad Gateway</html>" });
    expect(toApiErrorBody(500, "")).toEqual({ code: "http_500", message: "(empty answer)" });
    expect(toApiErrorBody(404, '{"code":"not_found","message":"gone","extra":1}')).toEqual({ code: "not_found", message: "gone" });
  });

  it("prints other failures with their details", () => {
    expect(formatError(new CliError("timed out", ["proxy c1: PENDING"]))).toBe("error: timed out\n  proxy c1: PENDING\n");
    expect(exitCodeOf(new CliError("x"))).toBe(1);
  });
});
