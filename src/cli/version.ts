import { readFileSync } from "node:fs";

/** The CLI's version: the project's, from package.json (read once, at load). */
export const CLI_VERSION: string = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
