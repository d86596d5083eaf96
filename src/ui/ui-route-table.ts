/**
 * The dashboard's routes and their access decisions. They are not part of the
 * JSON API (so not in the OpenAPI document), but access.ts reads this table
 * next to ROUTES, so no UI route is served without a decision
 * (test/worker/ui-pages.test.ts checks that every UI route the app registers
 * is here).
 */
export interface UiRouteSpec {
  method: "GET";
  path: string;
  summary: string;
  /** Every dashboard route is public (its data comes from the token-checked JSON API); the why is recorded like the API's public routes. Typed here, not with api's Access, so ui imports nothing of api. */
  access: { public: string };
}

const SHELL = "the page shell is the sign-in form and a script; it holds no mesh data, which the script reads from the JSON API with the user's token";

export const UI_ROUTES: readonly UiRouteSpec[] = [
  { method: "GET", path: "/", summary: "redirects to the dashboard", access: { public: "a redirect reveals nothing" } },
  { method: "GET", path: "/ui/", summary: "the dashboard", access: { public: SHELL } },
  ...["app.js", "dom.js", "edit-page.js", "mesh-pages.js", "propagation-page.js", "resource-page.js", "trace-chart.js", "trace-layout.js"].map((name): UiRouteSpec => ({
    method: "GET",
    path: `/ui/${name}`,
    summary: `the dashboard's script module ${name}`,
    access: { public: "static code, the same for everyone" },
  })),
];
