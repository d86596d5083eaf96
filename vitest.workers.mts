import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Worker-side tests run inside workerd with the real D1 and Durable Object
// bindings of wrangler.toml; the migrations in migrations/ are applied by
// test/worker/apply-migrations.ts before each file.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        // A short zone change log, so "too old for a delta" is reachable in a test.
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, ZONE_CHANGE_LOG_ROWS: "5", ZONE_TOKEN_SECRET: "test-zone-token-secret", API_TOKEN_SECRET: "test-api-token-secret", MESH_CA_SECRET: "test-mesh-ca-secret", EDGEPLANE_FAULTS: "on" } },
      }),
    ],
    test: {
      include: ["test/worker/**/*.test.ts"],
      setupFiles: ["test/worker/apply-migrations.ts"],
    },
  };
});
