/** Where the local API is, and the admin token the harness uses on it. */
export interface ApiEndpoint {
  url: string;
  adminToken: string;
}

/** A JSON call to the local API: status and parsed body. */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;

/** The Authorization header of an endpoint's admin token. */
export function adminHeaders(endpoint: ApiEndpoint): Record<string, string> {
  return { authorization: `Bearer ${endpoint.adminToken}` };
}

/**
 * JSON calls against the API at `endpoint`, as its admin, for harnesses,
 * tests and benchmarks.
 *
 * @example const api = apiCaller(wrangler); await api("GET", "/v1/zones");
 */
export function apiCaller(endpoint: ApiEndpoint): ApiCall {
  return async (method, path, body) => {
    const headers: Record<string, string> = adminHeaders(endpoint);
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(`${endpoint.url}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}
