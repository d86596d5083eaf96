// `npm start` and `npm test` enter here. Plain Node with no dependency, so it
// can run on a fresh clone: it installs the locked dependencies (`npm ci`)
// when node_modules is missing or older than package-lock.json, then runs
// scripts/<name>.ts through tsx in this same process (so Ctrl-C and exit
// codes behave as if the script had been started directly).
//
//   node scripts/run.mjs start|test [args...]
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

// npm ci records what it installed in node_modules/.package-lock.json.
if (mtime(join(root, "node_modules", ".package-lock.json")) < mtime(join(root, "package-lock.json"))) {
  process.stdout.write("Installing the locked dependencies (npm ci) ...\n");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z-]+$/.test(name)) {
  process.stderr.write("usage: node scripts/run.mjs SCRIPT [args...]\n");
  process.exit(2);
}
process.argv = [process.argv[0], join(root, "scripts", `${name}.ts`), ...args];
const { register } = await import("tsx/esm/api");
register();
await import(pathToFileURL(join(root, "scripts", `${name}.ts`)).href);
