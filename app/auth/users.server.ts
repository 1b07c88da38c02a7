import type Database from "better-sqlite3";
import { count, eq, sql, sum } from "drizzle-orm";
import type { Db } from "../../db/client";
import { USER_ROLES, users, type UserRole } from "../../db/schema";
import { recordAudit } from "./audit.server";
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { isValidEmail, normalizeEmail } from "./fields";
import { writeTransaction } from "../../db/transaction";

export type User = typeof users.$inferSelect;
/** What pages and the API may show of a user (never the password hash). */
export type PublicUser = Pick<User, "id" | "email" | "name" | "role" | "creditBalance">;

// Shared with the pages' form schemas (./fields is client-safe).
export { normalizeEmail };

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

/** The id of the user a row names by id or by email (the legacy balance import's lookup). */
export function findUserId(db: Db, ref: { userId?: number; email?: string }): number | undefined {
  const user =
    ref.userId !== undefined ? getUserById(db, ref.userId) : ref.email ? getUserByEmail(db, ref.email) : undefined;
  return user?.id;
}

/**
 * External ids: the integrator's own id for a user (`externalId` in the API, `ext:<id>` in paths).
 * 1–255 characters (code points), none of them a control character (C0, DEL, C1); kept exactly as
 * sent (case-sensitive, not trimmed) and unique.
 */
export const EXTERNAL_ID_MAX_LENGTH = 255;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/** The same rule as a JSON Schema `pattern` (for the OpenAPI document): no control character anywhere. */
export const EXTERNAL_ID_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/** Why `value` cannot be an external id (a sentence after the field name), or null when it can. */
export function externalIdProblem(value: string): string | null {
  const length = Array.from(value).length;
  if (length < 1 || length > EXTERNAL_ID_MAX_LENGTH) return `must be 1–${EXTERNAL_ID_MAX_LENGTH} characters.`;
  if (CONTROL_CHARACTER.test(value)) return "must not contain control characters.";
  return null;
}

/** A unique-index failure → the 409 naming the field that is taken; anything else is rethrown. */
function uniqueConflict(e: unknown): never {
  const message = String((e as Error).message);
  if (message.includes("UNIQUE constraint failed")) {
    if (message.includes("external_id")) {
      throw new AppError("conflict", "Another user already has this externalId.", { field: "externalId" });
    }
    throw new AppError("conflict", "A user with this email already exists.", { field: "email" });
  }
  throw e;
}

/** Creates a user; `conflict` if the email (case-insensitively) or the external id is taken. */
export function createUser(
  ctx: DbClock,
  input: { email: string; name?: string; passwordHash?: string | null; role?: UserRole; externalId?: string | null },
): User {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) throw new AppError("invalid_request", "Enter a valid email address.", { field: "email" });
  const externalId = input.externalId ?? null;
  if (externalId !== null) checkExternalId(externalId);
  const now = ctx.clock.now();
  try {
    return ctx.db
      .insert(users)
      .values({
        email,
        name: (input.name ?? "").trim(),
        passwordHash: input.passwordHash ?? null,
        role: input.role ?? "customer",
        externalId,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
  } catch (e) {
    uniqueConflict(e);
  }
}

function checkExternalId(value: string): void {
  const problem = externalIdProblem(value);
  if (problem) throw new AppError("invalid_request", `\`externalId\` ${problem}`, { field: "externalId" });
}

// One prepared statement per connection: `ext:` paths resolve on every such request.
const byExternalId = new WeakMap<Database.Database, Database.Statement<[string], number>>();

/** The id of the user with this external id, or undefined. */
export function getUserIdByExternalId(db: Db, externalId: string): number | undefined {
  let statement = byExternalId.get(db.$client);
  if (!statement) {
    statement = db.$client.prepare<[string], number>("select id from users where external_id = ?").pluck();
    byExternalId.set(db.$client, statement);
  }
  return statement.get(externalId);
}

/** Largest low-balance threshold an admin may set (the largest credit amount one call may move). */
export const MAX_LOW_BALANCE_THRESHOLD = 1_000_000_000_000;

export interface UserChanges {
  /** null = "" (no name). */
  name?: string | null;
  /** null removes the external id. */
  externalId?: string | null;
  /** Credits below which `balance.low` fires; 0 = off; null = the deployment default. */
  lowBalanceThreshold?: number | null;
}

/**
 * Changes what an admin or the API may change about a user (absent fields stay as they are), with
 * one `user.updated` audit row naming the fields that changed, in one IMMEDIATE transaction.
 * Unknown user → not_found; an external id another user has → conflict.
 */
export function updateUser(ctx: DbClock, input: { userId: number; changes: UserChanges; actor: string }): User {
  const { changes } = input;
  const set: Partial<Pick<User, "name" | "externalId" | "lowBalanceThreshold">> = {};
  if (changes.name !== undefined) set.name = (changes.name ?? "").trim();
  if (changes.externalId !== undefined) {
    if (changes.externalId !== null) checkExternalId(changes.externalId);
    set.externalId = changes.externalId;
  }
  if (changes.lowBalanceThreshold !== undefined) {
    const t = changes.lowBalanceThreshold;
    if (t !== null && (!Number.isSafeInteger(t) || t < 0 || t > MAX_LOW_BALANCE_THRESHOLD)) {
      throw new AppError("invalid_request", "`lowBalanceThreshold` must be a whole number of credits, 0 or more.", {
        field: "lowBalanceThreshold",
      });
    }
    set.lowBalanceThreshold = t;
  }
  return writeTransaction(ctx.db, () => {
    const user = getUserById(ctx.db, input.userId);
    if (!user) throw new AppError("not_found", `No user with id ${input.userId}.`);
    const changed = (Object.keys(set) as (keyof typeof set)[]).filter((k) => set[k] !== user[k]);
    if (changed.length === 0) return user;
    let updated: User;
    try {
      updated = ctx.db
        .update(users)
        .set({ ...set, updatedAt: ctx.clock.now() })
        .where(eq(users.id, user.id))
        .returning()
        .get();
    } catch (e) {
      uniqueConflict(e);
    }
    recordAudit(ctx, {
      actor: input.actor,
      action: "user.updated",
      subject: `user:${user.id}`,
      details: Object.fromEntries(changed.map((k) => [k, { from: user[k], to: updated[k] }])),
    });
    return updated;
  });
}

/** The longest search text `searchUsers` takes. */
export const USER_SEARCH_MAX_LENGTH = 255;

/** `text` as a LIKE pattern matching it anywhere, with `\` escaping LIKE's own % and _. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Users whose email, name or external id contains `q` (case-insensitively for ASCII, as SQLite's
 * LIKE; empty q = everyone), newest first (id descending), `limit` at a time from below `beforeId`.
 * A scan of the users table, newest first, that stops once it has limit + 1 matches.
 */
export function searchUsers(
  db: Db,
  input: { q: string; limit: number; beforeId?: number | null },
): { users: User[]; nextBeforeId: number | null } {
  if (input.q.length > USER_SEARCH_MAX_LENGTH) {
    throw new AppError("invalid_request", `\`q\` must be at most ${USER_SEARCH_MAX_LENGTH} characters.`, {
      field: "q",
    });
  }
  const before = input.beforeId ?? Number.MAX_SAFE_INTEGER;
  const pattern = containsPattern(input.q);
  const matches =
    input.q === ""
      ? sql`${users.id} < ${before}`
      : sql`${users.id} < ${before} and (${users.email} like ${pattern} escape '\\' or ${users.name} like ${pattern} escape '\\' or ${users.externalId} like ${pattern} escape '\\')`;
  const rows = db
    .select()
    .from(users)
    .where(matches)
    .orderBy(sql`${users.id} desc`)
    .limit(input.limit + 1)
    .all();
  const page = rows.slice(0, input.limit);
  return { users: page, nextBeforeId: rows.length > input.limit ? page[page.length - 1].id : null };
}

export function toPublicUser(u: User): PublicUser {
  return { id: u.id, email: u.email, name: u.name, role: u.role, creditBalance: u.creditBalance };
}

/** Replaces a user's password hash (e.g. a rehash at today's cost after a successful login). */
export function setPasswordHash(ctx: DbClock, userId: number, passwordHash: string): void {
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

export const LAST_ADMIN_MESSAGE =
  "This is the last admin: make another user an admin first, so someone can still run the service.";

/**
 * Makes a user an admin (or a customer again). The first admin of a real deployment is made this
 * way from the CLI, after signing up. Every admin check reads the role from the database on each
 * request, so the change applies at once.
 *
 * Inside the one IMMEDIATE transaction: the acting admin (`byAdminId`, from a page) must still be
 * an admin, the user's role must still be `expectedRole` (what the confirmation showed), and the
 * last admin is never demoted. So two admins demoting each other at once leave one admin, not none.
 */
export function setUserRole(
  ctx: DbClock,
  input: { email: string; role: UserRole; actor: string; byAdminId?: number; expectedRole?: UserRole },
): User {
  if (!USER_ROLES.includes(input.role)) {
    throw new AppError("invalid_request", `role must be one of: ${USER_ROLES.join(", ")}`, { field: "role" });
  }
  // One connection: the reads and writes below run inside this IMMEDIATE transaction.
  return writeTransaction(ctx.db, () => {
    if (input.byAdminId !== undefined && getUserById(ctx.db, input.byAdminId)?.role !== "admin") {
      throw new AppError("forbidden", "You are no longer an admin, so you cannot change roles.");
    }
    const user = getUserByEmail(ctx.db, input.email);
    if (!user)
      throw new AppError("not_found", `No user with the email ${normalizeEmail(input.email)}.`, { field: "email" });
    if (input.expectedRole !== undefined && user.role !== input.expectedRole) {
      throw new AppError(
        "conflict",
        `${user.email} is ${user.role === "admin" ? "an admin" : "a customer"} now, not what you reviewed; look again.`,
      );
    }
    if (user.role === "admin" && input.role !== "admin" && countUsersByRole(ctx.db).admins <= 1) {
      throw new AppError("conflict", LAST_ADMIN_MESSAGE, { field: "role" });
    }
    const now = ctx.clock.now();
    const updated = ctx.db
      .update(users)
      .set({ role: input.role, updatedAt: now })
      .where(eq(users.id, user.id))
      .returning()
      .get();
    recordAudit(ctx, {
      actor: input.actor,
      action: "user.role_changed",
      subject: `user:${user.id}`,
      details: { from: user.role, to: input.role },
    });
    return updated;
  });
}
