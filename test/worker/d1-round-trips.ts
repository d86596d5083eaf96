import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { app } from "../../src/api/app.js";
import { apiToken } from "./api-token.js";

/** One trip to D1 as the Worker made it: a statement's first/all/run/raw, a batch, or an exec. */
export interface RoundTrip {
  call: "first" | "all" | "run" | "raw" | "batch" | "exec";
  /** The SQL (for a batch, every statement's, joined by " ; "). */
  sql: string;
}

/**
 * Sends one request to the API with a D1 binding that records every round
 * trip it makes, up to the moment the answer was produced (`trips`), and
 * those after it (`after`: the zone notification runs in waitUntil, it is
 * not the writer's wait, but it is on the path to the proxies).
 * Only the test wraps the binding: the Worker's code is the one deployed.
 */
export async function countedCall(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; trips: RoundTrip[]; after: RoundTrip[] }> {
  const trips: RoundTrip[] = [];
  const after: RoundTrip[] = [];
  let answered = false;
  const record = (t: RoundTrip) => {
    (answered ? after : trips).push(t);
  };
  const db = countingD1(env.DB, record);
  const init: RequestInit = { method, headers: { ...headers, authorization: `Bearer ${await apiToken()}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://api${path}`, init), { ...env, DB: db }, ctx);
  answered = true;
  const json = (await res.json()) as Record<string, unknown>;
  await waitOnExecutionContext(ctx);
  // Where the notifier reads the zone list itself (in waitUntil), that query may start before the answer: it is not on the answer's path.
  const notifiers = trips.filter((t) => t.call !== "batch" && t.sql.includes("zones_seen"));
  return { status: res.status, body: json, trips: trips.filter((t) => !notifiers.includes(t)), after: [...notifiers, ...after] };
}

/** Proxies of statements, to the real statement and its SQL (the real binding's batch wants its own statements). */
const real = new WeakMap<object, { stmt: D1PreparedStatement; sql: string }>();

function unwrap(s: D1PreparedStatement): D1PreparedStatement {
  return real.get(s)?.stmt ?? s;
}

function countingD1(db: D1Database, record: (t: RoundTrip) => void): D1Database {
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        const fn = value as (...a: unknown[]) => unknown;
        if (prop === "bind") return (...args: unknown[]) => wrap(fn.apply(target, args) as D1PreparedStatement, sql);
        if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
          return (...args: unknown[]) => {
            record({ call: prop, sql });
            return fn.apply(target, args);
          };
        }
        return fn.bind(target);
      },
    });
    real.set(proxy, { stmt, sql });
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          record({ call: "batch", sql: statements.map((s) => real.get(s)?.sql ?? "?").join(" ; ") });
          return target.batch(statements.map(unwrap));
        };
      }
      if (prop === "exec") {
        return (sql: string) => {
          record({ call: "exec", sql });
          return target.exec(sql);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
