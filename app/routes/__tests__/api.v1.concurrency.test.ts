import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../../db/client";
import { testContext } from "../../../test/db";
import { createApiKey } from "../../auth/api-keys.server";
import { createUser } from "../../auth/users.server";
import { grantCredits } from "../../credits/index.server";

const CHILD = path.join(__dirname, "fixtures/deduct-once.child.ts");
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((c) => c.exitCode === null && c.kill()));

describe("Idempotency-Key across processes", () => {
  it("writes one deduction when four processes send the same request at the same moment", async () => {
    const ctx = testContext();
    const userId = createUser(ctx, { email: "race@example.com" }).id;
    grantCredits(ctx, { userId, type: "topup", amount: 100, source: "admin" });
    const key = createApiKey(ctx, { name: "race", scope: "usage" }).key;

    const started = Array.from({ length: 4 }, () => {
      const child = fork(CHILD, [ctx.path, key, String(userId), "same-key"], {
        execArgv: ["--import", "tsx"],
        env: { ...process.env, LOG_LEVEL: "silent" },
      });
      children.push(child);
      const answer = new Promise<{ status: number; replayed: string | null; body: string }>((resolve, reject) => {
        child.on("message", (m) => m !== "ready" && resolve(m as never));
        child.on("exit", (code) => code !== 0 && reject(new Error(`child exited with ${code}`)));
      });
      const ready = new Promise<void>((resolve) => child.on("message", (m) => m === "ready" && resolve()));
      return { child, ready, answer };
    });
    await Promise.all(started.map((s) => s.ready));
    for (const s of started) s.child.send("go");
    const answers = await Promise.all(started.map((s) => s.answer));

    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
    expect(answers.filter((a) => a.replayed === null)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    const count = (sql: string) => (ctx.db.$client.prepare(sql).get() as { n: number }).n;
    expect(count("select count(*) as n from credit_ledger where type = 'deduction'")).toBe(1);
    expect(count("select count(*) as n from api_idempotency")).toBe(1);
    expect(count("select credit_balance as n from users")).toBe(95);
    closeDatabase(ctx.db);
  });
});
