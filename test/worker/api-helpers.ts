import { env, SELF } from "cloudflare:test";

/** Sends a request to the Worker under test; JSON bodies are stringified. */
export async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
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
