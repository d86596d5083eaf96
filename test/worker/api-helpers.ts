import { env, SELF } from "cloudflare:test";
import { apiToken } from "./api-token.js";

/**
 * Sends a request to the Worker under test as an admin (unless `headers`
 * brings its own `authorization`; "" sends none); JSON bodies are stringified.
 */
export async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const init: RequestInit = { method, headers: await withToken(headers) };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    if (typeof body !== "string") (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await SELF.fetch(`http://api${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export async function journalHead(): Promise<number> {
  const row = await env.DB.prepare("SELECT coalesce(max(seq), 0) AS seq FROM journal").first<{ seq: number }>();
  return row?.seq ?? 0;
}

export function service(name: string, port = 50051, mesh = "default") {
  return { kind: "Service", metadata: { name, mesh }, spec: { ports: [{ port, protocol: "grpc" }] } };
}

export function route(name: string, parent: string, backends: { name: string; weight?: unknown }[], mesh = "default") {
  return {
    kind: "HTTPRoute",
    metadata: { name, mesh },
    spec: { parentRefs: [{ name: parent }], rules: [{ backendRefs: backends }] },
  };
}

/** `headers` with an admin token added, unless they bring an `authorization` ("" for none). */
export async function withToken(headers: Record<string, string> = {}): Promise<Record<string, string>> {
  if ("authorization" in headers) {
    const { authorization, ...rest } = headers;
    return authorization === "" ? rest : { ...rest, authorization };
  }
  return { ...headers, authorization: `Bearer ${await apiToken()}` };
}

/** SELF.fetch as an admin. */
export async function fetchAsAdmin(url: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(url, { ...init, headers: await withToken((init.headers as Record<string, string> | undefined) ?? {}) });
}
