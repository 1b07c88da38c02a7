import { count, eq, sql, sum } from "drizzle-orm";
import type { Db } from "../../db/client";
import { users, type UserRole } from "../../db/schema";
import type { Clock } from "../utils/clock";
import { AppError } from "../utils/errors";

export type User = typeof users.$inferSelect;
/** What pages and the API may show of a user (never the password hash). */
export type PublicUser = Pick<User, "id" | "email" | "name" | "role" | "creditBalance">;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function isValidEmail(email: string): boolean {
  return email.length <= 254 && EMAIL_RE.test(email);
}

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
  const [row] = db.select({ total: sum(users.creditBalance) }).from(users).all();
  return Number(row?.total ?? 0);
}
