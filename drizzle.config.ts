import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema.ts",
  out: "./migrations",
  dbCredentials: { url: process.env.DATABASE_PATH ?? "./data/app.db" },
  // Litestream keeps its own bookkeeping tables in the database; they are not ours.
  tablesFilter: ["!_litestream_*"],
});
