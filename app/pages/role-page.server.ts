import { parseWithZod } from "@conform-to/zod";
import type { SubmissionResult } from "@conform-to/react";
import type { DbClock } from "../utils/context.server";
import { httpStatusFor, isAppError } from "../utils/errors";
import { replyWithError } from "../utils/forms.server";
import { roleSchema, type RoleConfirm } from "./role-form";
import { countUsersByRole, LAST_ADMIN_MESSAGE, setUserRole, type User } from "../auth/users.server";

export type RoleFormAnswer =
  | { status: number; form: "role"; result: SubmissionResult<string[]>; roleConfirm?: RoleConfirm }
  /** Done: the page redirects with `message` as its toast. */
  | { form: "role"; message: string };

/**
 * The admin customer page's `confirm-role` / `set-role` posts. The review refuses what the change
 * would refuse (your own role, the last admin) before anyone confirms; the change itself checks
 * again inside its transaction (setUserRole), where it counts.
 */
export function submitRoleForm(ctx: DbClock, admin: { id: number }, user: User, form: FormData): RoleFormAnswer {
  const submission = parseWithZod(form, { schema: roleSchema });
  if (submission.status !== "success") return { status: 400, form: "role", result: submission.reply() };
  const v = submission.value;
  const refuse = (status: number, message: string) => ({
    status,
    form: "role" as const,
    result: submission.reply({ formErrors: [message] }),
  });
  if (user.id === admin.id && v.role !== "admin") {
    return refuse(400, "You cannot remove your own admin role; ask another admin.");
  }
  if (v.role === user.role && v.intent === "confirm-role") {
    return refuse(400, `${user.email} is already ${v.role === "admin" ? "an admin" : "a customer"}.`);
  }
  if (v.intent === "confirm-role") {
    if (user.role === "admin" && countUsersByRole(ctx.db).admins <= 1) return refuse(409, LAST_ADMIN_MESSAGE);
    return {
      status: 200,
      form: "role",
      result: submission.reply(),
      roleConfirm: { email: user.email, from: user.role, role: v.role },
    };
  }
  try {
    setUserRole(ctx, {
      email: user.email,
      role: v.role,
      actor: `user:${admin.id}`,
      byAdminId: admin.id,
      expectedRole: v.from,
    });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { status: httpStatusFor(e.code), form: "role", result: replyWithError(submission, e, { fields: [] }) };
  }
  return { form: "role", message: `${user.email} is now ${v.role === "admin" ? "an admin" : "a customer"}.` };
}
