import { count, eq, sql, sum } from "drizzle-orm";
import type { Db } from "../../db/client";
import { USER_ROLES, users, type UserRole } from "../../db/schema";
import { recordAudit } from "./audit.server";
import type { Clock } from "../utils/clock";
import { AppError } from "../utils/errors";
import { isValidEmail, normalizeEmail } from "./fields";

export type User = typeof users.$inferSelect;
/** What pages and the API may show of a user (never the password hash). */
export type PublicUser = Pick<User, "id" | "email" | "name" | "role" | "creditBalance">;

// Shared with the pages' form schemas (./fields is client-safe).
export { isValidEmail, normalizeEmail };

export function getUserById(db: Db, id: number): User | undefined {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function getUserByEmail(db: Db, email: string): User | undefined {
  return db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${normalizeEmail(email)}`)
    .get();
}

/** Creates a user; `conflict` if the email is taken (case-insensitively). */
export function createUser(
  ctx: { db: Db; clock: Clock },
  input: { email: string; name?: string; passwordHash?: string | null; role?: UserRole },
): User {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) throw new AppError("invalid_request", "Enter a valid email address.", { field: "email" });
  const now = ctx.clock.now();
  try {
    return ctx.db
      .insert(users)
      .values({
        email,
        name: (input.name ?? "").trim(),
        passwordHash: input.passwordHash ?? null,
        role: input.role ?? "customer",
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
  } catch (e) {
    if (String((e as Error).message).includes("UNIQUE constraint failed")) {
      throw new AppError("conflict", "A user with this email already exists.", { field: "email" });
    }
    throw e;
  }
}

export function toPublicUser(u: User): PublicUser {
  return { id: u.id, email: u.email, name: u.name, role: u.role, creditBalance: u.creditBalance };
}

/** Replaces a user's password hash (e.g. a rehash at today's cost after a successful login). */
export function setPasswordHash(ctx: { db: Db; clock: Clock }, userId: number, passwordHash: string): void {
  ctx.db.update(users).set({ passwordHash, updatedAt: ctx.clock.now() }).where(eq(users.id, userId)).run();
}

/** Head counts for the admin overview. */
export function countUsersByRole(db: Db): { total: number; customers: number; admins: number } {
  const rows = db.select({ role: users.role, n: count() }).from(users).groupBy(users.role).all();
  const of = (role: UserRole) => rows.find((r) => r.role === role)?.n ?? 0;
  return { total: of("customer") + of("admin"), customers: of("customer"), admins: of("admin") };
}

/** Credits held by all users, from the cached balances (expired-but-unswept grants included). */
export function totalCreditsOutstanding(db: Db): number {
  const [row] = db
    .select({ total: sum(users.creditBalance) })
    .from(users)
    .all();
  return Number(row?.total ?? 0);
}

/**
 * Makes a user an admin (or a customer again). The first admin of a real deployment is made this
 * way from the CLI, after signing up. Every admin check reads the role from the database on each
 * request, so the change applies at once.
 */
export function setUserRole(
  ctx: { db: Db; clock: Clock },
  input: { email: string; role: UserRole; actor: string },
): User {
  if (!USER_ROLES.includes(input.role)) {
    throw new AppError("invalid_request", `role must be one of: ${USER_ROLES.join(", ")}`, { field: "role" });
  }
  // One connection: the reads and writes below run inside this IMMEDIATE transaction.
  return ctx.db.transaction(
    () => {
      const user = getUserByEmail(ctx.db, input.email);
      if (!user)
        throw new AppError("not_found", `No user with the email ${normalizeEmail(input.email)}.`, { field: "email" });
      const now = ctx.clock.now();
      const updated = ctx.db
        .update(users)
        .set({ role: input.role, updatedAt: now })
        .where(eq(users.id, user.id))
        .returning()
        .get();
      recordAudit(ctx.db, ctx.clock, {
        actor: input.actor,
        action: "user.role_changed",
        subject: `user:${user.id}`,
        details: { from: user.role, to: input.role },
      });
      return updated;
    },
    { behavior: "immediate" },
  );
}
