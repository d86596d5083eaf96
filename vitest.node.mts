import { defineConfig } from "vitest/config";

// Node-side tests: the bridge (translation, ADS server, zone client) and the
// end-to-end tests that start wrangler dev, bridges, backends and real xDS
// clients. Files run one at a time: the machine has two cores and the
// end-to-end files each start several processes.
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts", "test/e2e/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
