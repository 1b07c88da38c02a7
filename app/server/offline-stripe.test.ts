import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../utils/clock";
import { parseEnv } from "../utils/env.server";
import { startOfflineStripeForApp } from "./offline-stripe";

describe("the offline Stripe as the app server runs it", () => {
  it("keeps its state next to the database: one random webhook secret per database, kept across restarts", async () => {
    const dirs = [
      fs.mkdtempSync(path.join(os.tmpdir(), "offline-app-")),
      fs.mkdtempSync(path.join(os.tmpdir(), "offline-app-")),
    ];
    const env = (dir: string) =>
      parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_PATH: path.join(dir, "app.db") });
    const secretOf = async (dir: string) => {
      const running = await startOfflineStripeForApp(env(dir), new ManualClock());
      await running.close();
      return running.webhookSecret;
    };
    try {
      const first = await secretOf(dirs[0]);
      expect(first).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(fs.existsSync(path.join(dirs[0], "offline-stripe.json"))).toBe(true);
      expect(await secretOf(dirs[0])).toBe(first);
      expect(await secretOf(dirs[1])).not.toBe(first);
    } finally {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
