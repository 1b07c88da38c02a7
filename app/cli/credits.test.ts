import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { DatabaseRefused } from "../../db/migrate";
import { runCliForTest } from "../../test/cli";
import { testContext } from "../../test/db";
import { createUser } from "../auth/users.server";
import { checkInvariants, getGrant, grantCredits } from "../credits/index.server";
import { addDays } from "../utils/clock";
import { runCli } from "./main";

let ctx: ReturnType<typeof testContext>;
afterEach(() => {
  checkInvariants(ctx);
  closeDatabase(ctx.db);
});

const cli = (...argv: string[]) => runCliForTest(ctx, argv);

describe("npm run credits -- grants expire / balances sync", () => {
  it("expires what is due and prints a one-line JSON summary", async () => {
    ctx = testContext();
    const userId = createUser(ctx, { email: "cli-expire@example.com" }).id;
    const due = grantCredits(ctx, {
      userId,
      type: "topup",
      amount: 40,
      source: "topup",
      expiresAt: addDays(ctx.clock.now(), 1),
    });
    grantCredits(ctx, { userId, type: "topup", amount: 2, source: "topup" });
    ctx.clock.set(addDays(ctx.clock.now(), 1));

    const r = await cli("grants", "expire", "--batch-size", "10");
    expect(r).toEqual({ code: 0, stdout: '{"expired":1,"credits":40,"batches":1}\n', stderr: "" });
    expect(getGrant(ctx, due.grant.id)?.status).toBe("expired");
    expect((await cli("grants", "expire")).stdout).toBe('{"expired":0,"credits":0,"batches":1}\n');
  });

  it("syncs cached balances and reports the drift it fixed", async () => {
    ctx = testContext();
    const userId = createUser(ctx, { email: "cli-sync@example.com" }).id;
    grantCredits(ctx, { userId, type: "topup", amount: 12, source: "topup" });
    ctx.db.$client.prepare("update users set credit_balance = 5 where id = ?").run(userId);

    const r = await cli("balances", "sync");
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toEqual({ checked: 1, drifted: [{ userId, cached: 5, actual: 12 }] });
    expect(JSON.parse((await cli("balances", "sync", "--user", String(userId))).stdout)).toEqual({
      checked: 1,
      drifted: [],
    });
  });

  it("rejects a bad option with a message on stderr", async () => {
    ctx = testContext();
    const bad = await cli("grants", "expire", "--batch-size", "0");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--batch-size must be a positive integer/);
    expect(bad.stdout).toBe("");
    const unknownUser = await cli("balances", "sync", "--user", "999");
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toMatch(/not_found/);
  });
});

describe("npm run credits -- help", () => {
  it.each([["help"], ["--help"], ["-h"]])("prints the usage on stdout and exits 0 for %s", async (arg) => {
    ctx = testContext();
    const r = await cli(arg);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/grants expire/);
    expect(r.stdout).not.toMatch(/Unknown command/);
  });

  it("refuses an unknown command with the usage and exit 2", async () => {
    ctx = testContext();
    const r = await cli("nonsense");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Unknown command: nonsense/);
  });
});

describe("npm run credits on a database the boot checks refuse", () => {
  it("prints the refusal as one line and exits 1, without a stack", async () => {
    ctx = testContext();
    const out: string[] = [];
    const err: string[] = [];
    const refused = new DatabaseRefused("Refusing /data/app.db: the disk is full.");
    const code = await runCli(["grants", "expire"], { out: (s) => out.push(s), err: (s) => err.push(s) }, () => {
      throw refused;
    });
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err.join("")).toBe("Refusing /data/app.db: the disk is full.\n");
  });
});
