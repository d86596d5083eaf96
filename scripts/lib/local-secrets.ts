/**
 * The secrets a local Edgeplane runs with (`npm start`), kept in
 * `<home>/secrets.json` (mode 0600) so they survive restarts: a bridge
 * started outside `npm start` with a token issued yesterday keeps working
 * today. Created on first use with fresh random values.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The Worker secrets a local run needs, passed to wrangler dev as --var. */
export const LOCAL_SECRET_NAMES = ["ZONE_TOKEN_SECRET", "API_TOKEN_SECRET", "MESH_CA_SECRET"] as const;
export type LocalSecrets = Record<(typeof LOCAL_SECRET_NAMES)[number], string>;

/**
 * Reads the secrets of `home`, adding any that are missing (a newer version
 * may need more), and writes them back readable by the owner only.
 *
 * @example const secrets = localSecrets(".edgeplane"); startWrangler({ ..., vars: secrets });
 */
export function localSecrets(home: string): LocalSecrets {
  mkdirSync(home, { recursive: true });
  const file = join(home, "secrets.json");
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>) : {};
  const secrets = { ...stored } as LocalSecrets;
  let changed = false;
  for (const name of LOCAL_SECRET_NAMES) {
    if (typeof secrets[name] === "string" && secrets[name] !== "") continue;
    secrets[name] = randomBytes(32).toString("hex");
    changed = true;
  }
  if (changed) writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
