/** A JSON call to the local API: status and parsed body. */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;

/**
 * JSON calls against the API at `baseUrl`, for harnesses, tests and benchmarks.
 *
 * @example const api = apiCaller(wrangler.url); await api("GET", "/v1/zones");
 */
export function apiCaller(baseUrl: string): ApiCall {
  return async (method, path, body) => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await fetch(`${baseUrl}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}
