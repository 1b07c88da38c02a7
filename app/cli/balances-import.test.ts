import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { runCliForTest } from "../../test/cli";
import { testContext } from "../../test/db";
import { createUser } from "../auth/users.server";
import { checkInvariants, getBalance } from "../credits/index.server";

let ctx: ReturnType<typeof testContext>;
const dirs: string[] = [];
afterEach(() => {
  checkInvariants(ctx);
  closeDatabase(ctx.db);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCliForTest(ctx, argv);

function file(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "legacy-balances-"));
  dirs.push(dir);
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

const ledgerRows = () => (ctx.db.$client.prepare("select count(*) as n from credit_ledger").get() as { n: number }).n;

describe("npm run credits -- balances import", () => {
  it("turns each legacy balance in a CSV into one grant expiring in 30 days by default, and a second run imports nothing more", async () => {
    ctx = testContext();
    const ann = createUser(ctx, { email: "ann@example.com" }).id;
    const bob = createUser(ctx, { email: "bob@example.com" }).id;
    const cy = createUser(ctx, { email: "cy@example.com" }).id;
    const csv = file("legacy.csv", `Email,Balance,plan\nANN@example.com,250,gold\n"bob@example.com",1200,\n\n`);
    const byId = file("legacy-ids.csv", `userId,balance\n${cy},0\n`);

    const first = await cli("balances", "import", "--file", csv);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    const in30Days = "2026-01-31T00:00:00.000Z";
    expect(JSON.parse(first.stdout)).toEqual({
      dryRun: false,
      rows: 2,
      imported: 2,
      alreadyImported: 0,
      skippedZero: 0,
      credits: 1450,
      expiresAt: in30Days,
    });
    expect(getBalance(ctx, ann).balance).toBe(250);
    expect(getBalance(ctx, bob).balance).toBe(1200);
    const grant = ctx.db.$client
      .prepare("select type, source, amount, expires_at as expiresAt from credit_grants where user_id = ?")
      .get(ann);
    expect(grant).toEqual({ type: "topup", source: "migration", amount: 250, expiresAt: Date.parse(in30Days) });

    // A re-run days later (a different expiry) still imports nothing twice.
    ctx.clock.advance(3 * 86_400_000);
    const ledger = ledgerRows();
    const again = await cli("balances", "import", "--file", csv);
    expect(JSON.parse(again.stdout)).toMatchObject({
      rows: 2,
      imported: 0,
      alreadyImported: 2,
      skippedZero: 0,
      credits: 0,
    });
    expect(ledgerRows()).toBe(ledger);
    expect(getBalance(ctx, ann).balance).toBe(250);

    expect(JSON.parse((await cli("balances", "import", "--file", byId)).stdout)).toMatchObject({
      skippedZero: 1,
      imported: 0,
    });
    expect(getBalance(ctx, cy).balance).toBe(0);
  });

  it("reads a JSON array of {email | userId, balance}", async () => {
    ctx = testContext();
    const dee = createUser(ctx, { email: "dee@example.com" }).id;
    const eve = createUser(ctx, { email: "eve@example.com" }).id;
    const json = file(
      "legacy.json",
      JSON.stringify([
        { email: "dee@example.com", balance: 40 },
        { userId: eve, balance: "7" },
      ]),
    );
    const r = await cli("balances", "import", "--file", json);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 2, credits: 47 });
    expect([getBalance(ctx, dee).balance, getBalance(ctx, eve).balance]).toEqual([40, 7]);
  });

  it("imports nothing when any row is bad, and names every bad row", async () => {
    ctx = testContext();
    const fay = createUser(ctx, { email: "fay@example.com" }).id;
    const csv = file("bad.csv", "email,balance\nfay@example.com,10\nghost@example.com,5\nfay@example.com,3\n");
    const r = await cli("balances", "import", "--file", csv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /invalid_request.*Nothing was imported: row 3: no user ghost@example.com; row 4: user #\d+ is already in row 2/,
    );
    expect(getBalance(ctx, fay).balance).toBe(0);
    expect(ledgerRows()).toBe(0);

    for (const [text, message] of [
      ["email,balance\nfay@example.com,-5\n", /line 2: balance must be a whole number/],
      ["email,balance\nfay@example.com,1.5\n", /line 2: balance must be a whole number/],
      ["name,amount\nfay,5\n", /header must name a balance column/],
    ] as const) {
      const bad = await cli("balances", "import", "--file", file("bad.csv", text));
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(message);
    }
    expect((await cli("balances", "import")).stderr).toMatch(/--file is required/);
    expect(ledgerRows()).toBe(0);
  });

  it("refuses a different amount for a user whose balance was already imported, and rolls back the whole file", async () => {
    ctx = testContext();
    const gus = createUser(ctx, { email: "gus@example.com" }).id;
    const hal = createUser(ctx, { email: "hal@example.com" }).id;
    await cli("balances", "import", "--file", file("one.csv", "email,balance\ngus@example.com,100\n"));

    const r = await cli(
      "balances",
      "import",
      "--file",
      file("two.csv", "email,balance\nhal@example.com,60\ngus@example.com,150\n"),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/idempotency_conflict.*user #\d+ already has a different imported balance/);
    expect([getBalance(ctx, gus).balance, getBalance(ctx, hal).balance]).toEqual([100, 0]);
  });

  it("--expires-in-days never makes grants that never expire; N sets the days; bad values are refused", async () => {
    ctx = testContext();
    const ivy = createUser(ctx, { email: "ivy@example.com" }).id;
    const jon = createUser(ctx, { email: "jon@example.com" }).id;
    const never = await cli(
      "balances",
      "import",
      "--file",
      file("a.csv", "email,balance\nivy@example.com,10\n"),
      "--expires-in-days",
      "never",
    );
    expect(JSON.parse(never.stdout)).toMatchObject({ imported: 1, expiresAt: null });
    const seven = await cli(
      "balances",
      "import",
      "--file",
      file("b.csv", "email,balance\njon@example.com,20\n"),
      "--expires-in-days",
      "7",
    );
    expect(JSON.parse(seven.stdout)).toMatchObject({ imported: 1, expiresAt: "2026-01-08T00:00:00.000Z" });
    const expiries = ctx.db.$client
      .prepare("select user_id as u, expires_at as e from credit_grants order by id")
      .all();
    expect(expiries).toEqual([
      { u: ivy, e: null },
      { u: jon, e: Date.parse("2026-01-08T00:00:00.000Z") },
    ]);
    for (const bad of ["0", "1.5", "soon"]) {
      const r = await cli(
        "balances",
        "import",
        "--file",
        file("c.csv", "email,balance\nivy@example.com,10\n"),
        "--expires-in-days",
        bad,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/--expires-in-days must be a whole number of days/);
    }
  });

  it("--dry-run prints what would be imported and writes nothing", async () => {
    ctx = testContext();
    createUser(ctx, { email: "kim@example.com" });
    createUser(ctx, { email: "lee@example.com" });
    const csv = file("d.csv", "email,balance\nkim@example.com,30\nlee@example.com,0\n");
    const dry = await cli("balances", "import", "--file", csv, "--dry-run");
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({
      dryRun: true,
      rows: 2,
      imported: 1,
      alreadyImported: 0,
      skippedZero: 1,
      credits: 30,
      expiresAt: "2026-01-31T00:00:00.000Z",
    });
    expect(ledgerRows()).toBe(0);
    expect(ctx.db.$client.prepare("select count(*) as n from audit_log").get()).toEqual({ n: 0 });
    await cli("balances", "import", "--file", csv);
    expect(JSON.parse((await cli("balances", "import", "--file", csv, "--dry-run")).stdout)).toMatchObject({
      imported: 0,
      alreadyImported: 1,
    });
  });

  it("reports progress on stderr for a large file, keeping stdout for the summary", async () => {
    ctx = testContext();
    const lines = ["email,balance"];
    for (let i = 0; i < 1200; i++) {
      createUser(ctx, { email: `bulk${i}@example.com` });
      lines.push(`bulk${i}@example.com,${i + 1}`);
    }
    const r = await cli("balances", "import", "--file", file("big.csv", lines.join("\n")));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("imported 1000/1200 rows\nimported 1200/1200 rows\n");
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 1200, credits: (1200 * 1201) / 2 });
  });
});
