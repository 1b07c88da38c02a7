import { z } from "zod";
import { USER_ROLES } from "../../db/schema";

/*
 * The admin customer page's role change, in two posts like grant/adjust/void: "confirm-role"
 * shows what will change, "set-role" does it, carrying the role the admin reviewed (`from`) so a
 * confirmation made stale by someone else's change is refused. Client-safe (the page runs it too).
 */
const STALE = "This confirmation expired; start again.";

export const roleSchema = z
  .object({
    intent: z.enum(["confirm-role", "set-role"]),
    role: z.enum(USER_ROLES, { errorMap: () => ({ message: "Choose customer or admin." }) }),
    from: z.enum(USER_ROLES, { errorMap: () => ({ message: STALE }) }).optional(),
  })
  .refine((v) => v.intent !== "set-role" || v.from, { path: ["from"], message: STALE });

export interface RoleConfirm {
  email: string;
  from: (typeof USER_ROLES)[number];
  role: (typeof USER_ROLES)[number];
}
