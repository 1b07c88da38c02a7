import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { listRecentAudit } from "../auth/audit.server";
import { submitRoleForm } from "./role-page.server";
import { countUsersByRole, createUser, getUserById, LAST_ADMIN_MESSAGE, setUserRole } from "../auth/users.server";

let ctx: ReturnType<typeof testContext>;
afterEach(() => closeDatabase(ctx.db));

const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

describe("changing a role from the admin customer page", () => {
  it("refuses an admin whose own role was taken after the page checked it (inside the transaction)", () => {
    ctx = testContext();
    const a = createUser(ctx, { email: "a@example.com", role: "admin" });
    const b = createUser(ctx, { email: "b@example.com", role: "admin" });
    // B passed requireAdmin, then A's demotion of B committed before B's body was read.
    setUserRole(ctx, {
      email: b.email,
      role: "customer",
      actor: `user:${a.id}`,
      byAdminId: a.id,
      expectedRole: "admin",
    });
    const answer = submitRoleForm(
      ctx,
      b,
      getUserById(ctx.db, a.id)!,
      form({ intent: "set-role", role: "customer", from: "admin" }),
    );
    expect(answer).toMatchObject({ status: 403, form: "role" });
    expect(getUserById(ctx.db, a.id)?.role).toBe("admin");
    expect(countUsersByRole(ctx.db).admins).toBe(1);
    expect(listRecentAudit(ctx.db).filter((r) => r.action === "user.role_changed")).toHaveLength(1);
  });

  it("never demotes the last admin, even for a caller the page let through", () => {
    ctx = testContext();
    const a = createUser(ctx, { email: "a@example.com", role: "admin" });
    expect(() => setUserRole(ctx, { email: a.email, role: "customer", actor: "cli" })).toThrow(LAST_ADMIN_MESSAGE);
    expect(getUserById(ctx.db, a.id)?.role).toBe("admin");
  });

  it("reviews first: the review writes nothing, and a set-role without the reviewed role is refused", () => {
    ctx = testContext();
    const a = createUser(ctx, { email: "a@example.com", role: "admin" });
    const c = createUser(ctx, { email: "c@example.com" });
    const review = submitRoleForm(ctx, a, c, form({ intent: "confirm-role", role: "admin" }));
    expect(review).toMatchObject({ status: 200, roleConfirm: { email: c.email, from: "customer", role: "admin" } });
    expect(submitRoleForm(ctx, a, c, form({ intent: "set-role", role: "admin" }))).toMatchObject({ status: 400 });
    expect(getUserById(ctx.db, c.id)?.role).toBe("customer");
    expect(submitRoleForm(ctx, a, c, form({ intent: "set-role", role: "admin", from: "customer" }))).toMatchObject({
      message: "c@example.com is now an admin.",
    });
    expect(getUserById(ctx.db, c.id)?.role).toBe("admin");
  });
});
