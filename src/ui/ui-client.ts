// The browser script is kept as text (wrangler imports `*.txt` as a string by
// default), so it reaches the browser exactly as written: no bundler step, and
// none of the helpers esbuild would add to code that runs inside the Worker.
import source from "./client.js.txt";

export const UI_CLIENT: string = source;
