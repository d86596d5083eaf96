import { afterAll, beforeAll } from "vitest";
import { LocalSystem, type LocalSystemSpec } from "../../../scripts/lib/local-system.js";

/** Starting wrangler dev, a bridge and the backends takes seconds; on a busy 2-core machine, tens of them. */
const START_TIMEOUT_MS = 180_000;

/**
 * The end-to-end fixture: a LocalSystem for the calling test file, started
 * before its first test and stopped after its last, also when the start or a
 * test failed part way.
 *
 * @example
 *   const sys = useLocalSystem({ system: "mesh", xdsClient: { nodeId: "e2e-client", warm: true } });
 *   it("routes", async () => expect(await sys.client.call()).toBe("echo-v1-a"));
 */
export function useLocalSystem(spec: LocalSystemSpec): LocalSystem {
  const system = new LocalSystem(spec);
  beforeAll(async () => {
    await system.start();
  }, START_TIMEOUT_MS);
  afterAll(() => system.stop());
  return system;
}
