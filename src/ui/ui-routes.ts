import { Hono } from "hono";
import { UI_MODULES } from "./ui-client.js";
import { UI_SHELL } from "./ui-shell.js";

/**
 * Serves the dashboard: one HTML shell and its script modules, all from the Worker
 * (nothing fetched from elsewhere). The script calls the JSON API
 * same-origin with the token kept in session storage, so the API's access
 * decisions are the dashboard's too.
 */
export const uiRoutes = new Hono();

// Only same-origin scripts, no inline code, no framing: a page that holds a token must not run others' code.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

uiRoutes.get("/", (c) => c.redirect("/ui/", 302));
uiRoutes.get("/ui/", (c) => {
  c.header("content-security-policy", CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "no-referrer");
  c.header("cache-control", "no-store");
  return c.html(UI_SHELL);
});
// One route per module, each with its own access decision in ui-route-table.ts.
for (const [name, source] of Object.entries(UI_MODULES)) {
  uiRoutes.get(`/ui/${name}`, (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("x-content-type-options", "nosniff");
    c.header("cache-control", "no-cache");
    return c.body(source);
  });
}
