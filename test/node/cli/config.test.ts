/** Where the CLI talks to: flags, environment, config file (`config.ts`). */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configFilePath, resolveClientConfig } from "../../../src/cli/config.js";
import { UsageError } from "../../../src/cli/errors.js";
import { useTempDir } from "../support/temp-dir.js";

const dir = useTempDir("edgeplane-cli-");

describe("configuration", () => {
  it("takes the flag, else the environment, else the config file, else the local API", async () => {
    const file = join(dir, "config.json");
    await writeFile(file, JSON.stringify({ server: "https://file.example/", token: "file-token" }));
    const env = { EDGEPLANE_CONFIG: file };
    expect(await resolveClientConfig({}, env)).toEqual({ server: "https://file.example", token: "file-token" });
    expect(await resolveClientConfig({}, { ...env, EDGEPLANE_SERVER: "http://env:1", EDGEPLANE_TOKEN: "env-token" })).toEqual({ server: "http://env:1", token: "env-token" });
    expect(await resolveClientConfig({ server: "http://flag:2", token: "t" }, { ...env, EDGEPLANE_SERVER: "http://env:1" })).toEqual({ server: "http://flag:2", token: "t" });
    expect(await resolveClientConfig({}, { XDG_CONFIG_HOME: join(dir, "no-such") })).toEqual({ server: "http://127.0.0.1:8787" });
  });

  it("finds the file under XDG_CONFIG_HOME or ~/.config", () => {
    expect(configFilePath({ HOME: "/home/me" })).toBe("/home/me/.config/edgeplane/config.json");
    expect(configFilePath({ HOME: "/home/me", XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/edgeplane/config.json");
    expect(configFilePath({ EDGEPLANE_CONFIG: "/x.json" })).toBe("/x.json");
  });

  it("refuses a named file that is missing or malformed, and servers that are not URLs", async () => {
    await expect(resolveClientConfig({}, { EDGEPLANE_CONFIG: join(dir, "missing.json") })).rejects.toThrow(/cannot read the config file/);
    const bad = join(dir, "bad.json");
    await writeFile(bad, '{"server": 42}');
    await expect(resolveClientConfig({}, { EDGEPLANE_CONFIG: bad })).rejects.toThrow(/"server" must be a string/);
    await expect(resolveClientConfig({ server: "api:8787" }, {})).rejects.toBeInstanceOf(UsageError);
  });
});
