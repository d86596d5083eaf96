/**
 * The three ways a command fails, each with its exit code: a usage mistake
 * (2, with the usage text), an error answered by the API (1, printed with
 * every field the API gave so the user can act on it), anything else (1).
 */

/** The error body every API route answers with (src/api/api-error.ts). */
export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  hint?: string;
  /** Index of the document at fault in an /apply bundle. */
  document?: number;
  /** A refused document's every fault, the top-level one first. */
  errors?: { field: string; message: string; hint?: string }[];
}

/** A command line the CLI cannot run; main prints the usage of the command. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    /** The command whose usage to print, when known. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A failure outside the API's answers: unreadable file, unreachable server, a NACK while waiting. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    /** Further lines, printed indented under the message. */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** The API answered with an error status. */
export class ApiRequestError extends Error {
  override readonly name = "ApiRequestError";
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    /** Where the faulty document came from (`file.yaml, document 2`), for /apply. */
    readonly where?: string,
  ) {
    super(body.message);
  }

  /** The same error, with the source of the document at fault. */
  locatedAt(where: string): ApiRequestError {
    return new ApiRequestError(this.status, this.body, where);
  }
}

/**
 * Reads an error body leniently: a proxy in front of the API or a bridge may
 * answer with something that is not the API's shape.
 *
 * @example toApiErrorBody(502, "Bad Gateway") // {code: "http_502", message: "Bad Gateway"}
 */
export function toApiErrorBody(status: number, text: string): ApiErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) {
      const o = parsed as Record<string, unknown>;
      if (typeof o.code === "string" && typeof o.message === "string") {
        const body: ApiErrorBody = { code: o.code, message: o.message };
        if (typeof o.field === "string") body.field = o.field;
        if (typeof o.hint === "string") body.hint = o.hint;
        if (typeof o.document === "number") body.document = o.document;
        if (Array.isArray(o.errors)) {
          body.errors = (o.errors as unknown[]).flatMap((e) => {
            const f = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>;
            if (typeof f.field !== "string" || typeof f.message !== "string") return [];
            return [{ field: f.field, message: f.message, ...(typeof f.hint === "string" ? { hint: f.hint } : {}) }];
          });
        }
        return body;
      }
    }
  } catch {
    // not JSON: fall through to the text itself
  }
  const message = text.trim().split("\n")[0]?.slice(0, 300) || "(empty answer)";
  return { code: `http_${status}`, message };
}

/**
 * The text printed on stderr for a failed command, ending in a newline.
 *
 * @example
 * formatError(new ApiRequestError(422, { code: "invalid_field", message: "bad port", field: "spec.ports[0].port" }))
 * // "error: invalid_field (HTTP 422): bad port\n  field: spec.ports[0].port\n"
 */
export function formatError(err: unknown): string {
  if (err instanceof ApiRequestError) {
    const lines = [`error: ${err.body.code} (HTTP ${err.status}): ${err.body.message}`];
    if (err.body.field !== undefined) lines.push(`  field: ${err.body.field}`);
    if (err.body.hint !== undefined) lines.push(`  hint:  ${err.body.hint}`);
    if (err.where !== undefined) lines.push(`  in:    ${err.where}`);
    else if (err.body.document !== undefined) lines.push(`  document: ${err.body.document}`);
    // The first fault is the one above; the others follow, so all can be fixed in one round.
    const more = (err.body.errors ?? []).slice(1);
    if (more.length > 0) lines.push(`  ${more.length} more:`, ...more.map((f) => `    ${f.field}: ${f.message}${f.hint !== undefined ? ` (hint: ${f.hint})` : ""}`));
    return `${lines.join("\n")}\n`;
  }
  if (err instanceof UsageError) return `error: ${err.message}\n`;
  if (err instanceof CliError) return [`error: ${err.message}`, ...err.details.map((d) => `  ${d}`)].join("\n") + "\n";
  // A bug in the CLI: show the stack, it is what a report needs.
  return `error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`;
}

/** The exit code for a failure: 2 for usage, 1 for everything else. */
export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}
