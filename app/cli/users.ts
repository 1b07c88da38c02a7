import { USER_ROLES, type UserRole } from "../../db/schema";
import { setUserRole } from "../auth/users.server";
import { AppError } from "../utils/errors";
import type { CliCommand } from "./command";

/** `users set-role`: how a deployment gets its first admin (sign up, then promote from the CLI). */
export const userCommands: Record<string, CliCommand> = {
  "users set-role": {
    summary: "Make a user an admin or a customer: --email EMAIL --role admin|customer",
    options: { email: { type: "string" }, role: { type: "string" } },
    run(ctx, values, io) {
      const email = typeof values.email === "string" ? values.email.trim() : "";
      if (!email) throw new AppError("invalid_request", "users set-role: --email is required", { field: "email" });
      const role = values.role;
      if (typeof role !== "string" || !USER_ROLES.includes(role as UserRole)) {
        throw new AppError("invalid_request", `users set-role: --role must be one of: ${USER_ROLES.join(", ")}`, {
          field: "role",
        });
      }
      const user = setUserRole(ctx, { email, role: role as UserRole, actor: "cli" });
      io.out(`${JSON.stringify({ id: user.id, email: user.email, role: user.role })}\n`);
    },
  },
};
