import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, UsageError } from "./errors.js";

/** Where `npm start` serves the API. */
export const DEFAULT_SERVER = "http://127.0.0.1:8787";

export interface ClientConfig {
  /** API base URL without a trailing slash. */
  server: string;
  token?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The config file: EDGEPLANE_CONFIG, else `$XDG_CONFIG_HOME/edgeplane/config.json`
 * (`~/.config/edgeplane/config.json` without XDG_CONFIG_HOME).
 *
 * @example configFilePath({ HOME: "/home/me" }) // "/home/me/.config/edgeplane/config.json"
 */
export function configFilePath(env: Env): string {
  if (env.EDGEPLANE_CONFIG) return env.EDGEPLANE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "edgeplane", "config.json");
}

/**
 * Where to send requests and with which token. Each setting comes from the
 * flag, else the environment (EDGEPLANE_SERVER, EDGEPLANE_TOKEN), else the
 * config file `{server, token}`; the server defaults to the local API.
 *
 * @example
 * await resolveClientConfig({ server: "http://api:8787" }, process.env)
 * // {server: "http://api:8787", token: <from EDGEPLANE_TOKEN or the file>}
 */
export async function resolveClientConfig(flags: { server?: string; token?: string }, env: Env): Promise<ClientConfig> {
  const file = await readConfigFile(env);
  const server = flags.server ?? (env.EDGEPLANE_SERVER || undefined) ?? file.server ?? DEFAULT_SERVER;
  const token = flags.token ?? (env.EDGEPLANE_TOKEN || undefined) ?? file.token;
  const config: ClientConfig = { server: checkServer(server) };
  if (token !== undefined && token !== "") config.token = token;
  return config;
}

async function readConfigFile(env: Env): Promise<{ server?: string; token?: string }> {
  const path = configFilePath(env);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    // No file is the common case; a file named explicitly must exist.
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && !env.EDGEPLANE_CONFIG) return {};
    throw new CliError(`cannot read the config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliError(`the config file ${path} is not JSON: ${(err as Error).message}`, ['expected {"server": "https://...", "token": "..."}']);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new CliError(`the config file ${path} must hold a JSON object`);
  const o = parsed as Record<string, unknown>;
  const out: { server?: string; token?: string } = {};
  for (const key of ["server", "token"] as const) {
    const value = o[key];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new CliError(`the config file ${path}: "${key}" must be a string`);
    out[key] = value;
  }
  return out;
}

function checkServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`the server "${raw}" is not a URL; expected e.g. http://127.0.0.1:8787`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`the server "${raw}" is not an http(s) URL`);
  return raw.replace(/\/+$/, "");
}

/**
 * Writes `{server, token}` to the config file, readable by its owner only
 * (the token is a credential). Returns the path.
 *
 * @example await writeConfigFile(process.env, { server: "https://...", token })
 */
export async function writeConfigFile(env: Env, config: { server: string; token: string }): Promise<string> {
  const path = configFilePath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // An existing file keeps its mode on write: narrow it too.
  await chmod(path, 0o600);
  return path;
}
