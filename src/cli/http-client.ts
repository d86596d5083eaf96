import type { ClientConfig } from "./config.js";
import { ApiRequestError, CliError, toApiErrorBody } from "./errors.js";

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A body already serialized; JSON objects go through `json`. */
  body?: string;
  contentType?: string;
  json?: unknown;
  signal?: AbortSignal;
}

/**
 * The management API over fetch. Answers are parsed JSON; an error status
 * becomes an ApiRequestError carrying the API's `{code, message, field, hint}`,
 * and a server that cannot be reached a CliError saying which URL failed.
 *
 * @example
 * const client = new ApiClient({ server: "http://127.0.0.1:8787" });
 * const list = await client.request<ListResponse>("GET", "/v1/meshes/default/services");
 */
export class ApiClient {
  private readonly fetchImpl: typeof fetch;
  private readonly unreachableHint: string;

  constructor(
    readonly config: ClientConfig,
    opts: { fetch?: typeof fetch; unreachableHint?: string } = {},
  ) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.unreachableHint = opts.unreachableHint ?? "is the API running? set --server, EDGEPLANE_SERVER or the config file";
  }

  /** Sends a request and returns the JSON answer, typed as the caller expects it. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await res.text();
    if (!res.ok) throw new ApiRequestError(res.status, toApiErrorBody(res.status, text));
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`${method} ${this.url(path)} answered ${res.status} with something that is not JSON`, [text.slice(0, 200)]);
    }
  }

  /**
   * The raw response, for streams (Server-Sent Events). Error statuses are
   * thrown like `request` does.
   */
  async open(path: string, opts: RequestOptions = {}): Promise<Response> {
    const res = await this.send("GET", path, opts);
    if (!res.ok) throw new ApiRequestError(res.status, toApiErrorBody(res.status, await res.text()));
    return res;
  }

  /** The full URL of an API path with its query, empty values left out. */
  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.config.server}${path}${qs ? `?${qs}` : ""}`;
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    // The API ignores it today; sent so that turning authentication on needs no CLI change.
    if (this.config.token !== undefined) headers.authorization = `Bearer ${this.config.token}`;
    const init: RequestInit = { method, headers };
    if (opts.json !== undefined) {
      init.body = JSON.stringify(opts.json);
      headers["content-type"] = "application/json";
    } else if (opts.body !== undefined) {
      init.body = opts.body;
      headers["content-type"] = opts.contentType ?? "application/yaml";
    }
    if (opts.signal !== undefined) init.signal = opts.signal;
    const url = this.url(path, opts.query);
    try {
      return await this.fetchImpl(url, init);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new CliError(`cannot reach ${url}: ${networkReason(err)}`, [this.unreachableHint]);
    }
  }
}

/** fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
export function networkReason(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err instanceof Error ? err.message : String(err);
}
