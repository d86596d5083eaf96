/**
 * An in-process stand-in for the management API, for CLI unit tests: routes
 * are matched on method and path, every request is recorded, and `runCli`
 * gets an io whose output is captured.
 */
import type { CliIo } from "../../../src/cli/io.js";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
}

type Handler = (req: RecordedRequest) => Response | Promise<Response>;

export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: { method: string; path: string | RegExp; handler: Handler }[] = [];

  on(method: string, path: string | RegExp, handler: Handler | unknown): this {
    const h: Handler = typeof handler === "function" ? (handler as Handler) : () => Response.json(handler);
    this.routes.unshift({ method, path, handler: h });
    return this;
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const req: RecordedRequest = {
      method: init?.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init?.headers),
      body: typeof init?.body === "string" ? init.body : "",
    };
    this.requests.push(req);
    const route = this.routes.find((r) => r.method === req.method && (typeof r.path === "string" ? r.path === req.path : r.path.test(req.path)));
    if (!route) return Response.json({ code: "not_found", message: `no route for ${req.method} ${req.path}` }, { status: 404 });
    return route.handler(req);
  };
}

export interface CapturedIo extends CliIo {
  out: string;
  err: string;
}

export function captureIo(api: FakeApi, opts: { env?: Record<string, string>; stdin?: string; nowMs?: number } = {}): CapturedIo {
  const io: CapturedIo = {
    out: "",
    err: "",
    stdout: (t) => void (io.out += t),
    stderr: (t) => void (io.err += t),
    readStdin: async () => opts.stdin ?? "",
    // No HOME config file leaks in: EDGEPLANE_CONFIG names one that does not matter unless set.
    env: { EDGEPLANE_SERVER: "http://api.test", XDG_CONFIG_HOME: "/nonexistent-edgeplane-test", ...opts.env },
    fetch: api.fetch,
    now: opts.nowMs === undefined ? () => Date.now() : () => opts.nowMs!,
  };
  return io;
}
