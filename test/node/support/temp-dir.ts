import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * A fresh temporary directory for the calling test file, removed after its
 * last test. Made synchronously, so the file can hold it in a const.
 *
 * @example
 *   const dir = useTempDir("edgeplane-cli-");
 *   it("reads a file", async () => { await writeFile(join(dir, "a.yaml"), "..."); });
 */
export function useTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
