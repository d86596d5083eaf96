// The browser scripts are kept as text (wrangler imports `*.txt` as a string by
// default), so they reach the browser exactly as written: no bundler step, and
// none of the helpers esbuild would add to code that runs inside the Worker.
import app from "./client.js.txt";
import dom from "./dom.js.txt";
import editPage from "./edit-page.js.txt";
import meshPages from "./mesh-pages.js.txt";
import propagationPage from "./propagation-page.js.txt";
import resourcePage from "./resource-page.js.txt";
import traceChart from "./trace-chart.js.txt";
import traceLayout from "./trace-layout.js.txt";

/** Each ES module of the dashboard by the name it is served under (`/ui/<name>`), which is how the modules import each other. */
export const UI_MODULES: Readonly<Record<string, string>> = {
  "app.js": app,
  "dom.js": dom,
  "edit-page.js": editPage,
  "mesh-pages.js": meshPages,
  "propagation-page.js": propagationPage,
  "resource-page.js": resourcePage,
  "trace-chart.js": traceChart,
  "trace-layout.js": traceLayout,
};
