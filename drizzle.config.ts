import { defineConfig } from "drizzle-kit";

// `npx drizzle-kit generate` writes a new SQL migration into migrations/
// after a change to src/store/d1-schema.ts; wrangler applies them in order.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/store/d1-schema.ts",
  out: "./migrations",
});
