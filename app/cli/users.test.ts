import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { runCliForTest } from "../../test/cli";
import { testContext } from "../../test/db";
import { listRecentAudit } from "../auth/audit.server";
import { createUser, getUserByEmail, LAST_ADMIN_MESSAGE } from "../auth/users.server";

let ctx: ReturnType<typeof testContext>;
afterEach(() => closeDatabase(ctx.db));

const cli = (...argv: string[]) => runCliForTest(ctx, argv);

describe("npm run credits -- users set-role", () => {
  it("makes a signed-up customer an admin, case-insensitively by email, and audits it", async () => {
    ctx = testContext();
    const user = createUser(ctx, { email: "first-admin@example.com" });

    const r = await cli("users", "set-role", "--email", "First-Admin@Example.com", "--role", "admin");

    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: user.id, email: "first-admin@example.com", role: "admin" });
    expect(getUserByEmail(ctx.db, "first-admin@example.com")?.role).toBe("admin");
    expect(listRecentAudit(ctx.db)[0]).toMatchObject({
      actor: "cli",
      action: "user.role_changed",
      subject: `user:${user.id}`,
    });
  });

  it("refuses an unknown email or role with a clear message and changes nothing", async () => {
    ctx = testContext();
    createUser(ctx, { email: "someone@example.com" });

    const unknown = await cli("users", "set-role", "--email", "nobody@example.com", "--role", "admin");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("No user with the email nobody@example.com");

    const badRole = await cli("users", "set-role", "--email", "someone@example.com", "--role", "owner");
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toContain("--role must be one of: customer, admin");
    expect(getUserByEmail(ctx.db, "someone@example.com")?.role).toBe("customer");
    expect(listRecentAudit(ctx.db).filter((a) => a.action === "user.role_changed")).toHaveLength(0);
  });

  it("refuses to demote the last admin, with the same words as the admin page, and changes nothing", async () => {
    ctx = testContext();
    createUser(ctx, { email: "only-admin@example.com", role: "admin" });

    const r = await cli("users", "set-role", "--email", "only-admin@example.com", "--role", "customer");

    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(LAST_ADMIN_MESSAGE);
    expect(getUserByEmail(ctx.db, "only-admin@example.com")?.role).toBe("admin");
    expect(listRecentAudit(ctx.db).filter((a) => a.action === "user.role_changed")).toHaveLength(0);

    createUser(ctx, { email: "second-admin@example.com", role: "admin" });
    const again = await cli("users", "set-role", "--email", "only-admin@example.com", "--role", "customer");
    expect(again.code).toBe(0);
    expect(getUserByEmail(ctx.db, "only-admin@example.com")?.role).toBe("customer");
  });
});
