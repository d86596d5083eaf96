import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api-error.js";
import type { AppEnv } from "./app-env.js";

/**
 * Cross-origin requests are refused unless their origin is configured in
 * EDGEPLANE_ALLOWED_ORIGINS (comma-separated, e.g.
 * `https://ops.example.com`). A browser on any other site could otherwise
 * make the API act for whoever is signed in; requests without an Origin
 * (the CLI, curl, bridges) and same-origin ones (the dashboard the Worker
 * serves) pass. An allowed origin gets CORS answers, including preflights.
 *
 * @example app.use("*", originCheck);
 */
export const originCheck: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("origin");
  if (origin === undefined || origin === new URL(c.req.url).origin) return next();
  const allowed = (c.env.EDGEPLANE_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "");
  if (!allowed.includes(origin)) {
    throw new ApiError("forbidden_origin", `requests from origin ${origin} are not accepted`, {
      hint: "call the API from its own origin, or add this origin to EDGEPLANE_ALLOWED_ORIGINS",
    });
  }
  const cors = {
    "access-control-allow-origin": origin,
    "access-control-allow-credentials": "true",
    vary: "Origin",
  };
  if (c.req.method === "OPTIONS") {
    return new Response(null, {
      status: 204,
      headers: {
        ...cors,
        "access-control-allow-methods": "GET, PUT, POST, DELETE",
        "access-control-allow-headers": "authorization, content-type, if-match, last-event-id",
        "access-control-max-age": "600",
      },
    });
  }
  await next();
  for (const [k, v] of Object.entries(cors)) c.res.headers.set(k, v);
};
