import { and, asc, desc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { mailOptOuts, mailOutbox, users, type MailStatus } from "../../db/schema";
import type { DbClock } from "../utils/context.server";
import { isOptionalKind, SECURITY_KINDS, type MailKind, type OptionalKind } from "./kinds";
import type { RenderedMail } from "./templates.server";
import { writeTransaction } from "../../db/transaction";

/*
 * The mail outbox. A message is a row written in the same transaction as the change that causes
 * it (a reset token, an event), so a rolled-back change sends nothing and a committed one is
 * never forgotten: the worker (./worker.server.ts) sends pending rows after commit, retries with
 * backoff, and picks up where it left off after a restart.
 */

export type MailRow = typeof mailOutbox.$inferSelect;

export interface EnqueueInput {
  kind: MailKind;
  userId: number | null;
  to: string;
  mail: RenderedMail;
  /** Unsent by then → dropped (status expired). */
  expiresAt?: Date | null;
  /** One message per cause; a second enqueue with the same key does nothing. */
  dedupeKey?: string | null;
  at: Date;
}

/** Synchronous; call inside the caller's write transaction. Returns the row id, or null for a duplicate. */
export function enqueueMail(db: Db, input: EnqueueInput): number | null {
  const row = db
    .insert(mailOutbox)
    .values({
      kind: input.kind,
      userId: input.userId,
      toAddress: input.to,
      subject: input.mail.subject,
      text: input.mail.text,
      html: input.mail.html,
      status: "pending",
      nextAttemptAt: input.at,
      expiresAt: input.expiresAt ?? null,
      dedupeKey: input.dedupeKey ?? null,
      createdAt: input.at,
    })
    .onConflictDoNothing()
    .returning({ id: mailOutbox.id })
    .get();
  return row?.id ?? null;
}

/** True when the user turned this kind off. Security mail cannot be turned off. */
export function hasOptedOut(db: Db, userId: number, kind: MailKind): boolean {
  if (SECURITY_KINDS.includes(kind)) return false;
  return !!db
    .select({ kind: mailOptOuts.kind })
    .from(mailOptOuts)
    .where(and(eq(mailOptOuts.userId, userId), eq(mailOptOuts.kind, kind)))
    .get();
}

/** The optional kinds the user turned off. */
export function optedOutKinds(db: Db, userId: number): OptionalKind[] {
  return db
    .select({ kind: mailOptOuts.kind })
    .from(mailOptOuts)
    .where(eq(mailOptOuts.userId, userId))
    .all()
    .map((r) => r.kind)
    .filter(isOptionalKind);
}

/**
 * Replaces the user's opt-outs with `off` (optional kinds only; anything else is ignored, so a
 * forged form cannot turn off security mail). One IMMEDIATE transaction.
 */
export function setOptOuts(ctx: DbClock, userId: number, off: readonly string[]): OptionalKind[] {
  const kinds = [...new Set(off.filter(isOptionalKind))];
  const now = ctx.clock.now();
  writeTransaction(ctx.db, (tx) => {
    tx.delete(mailOptOuts).where(eq(mailOptOuts.userId, userId)).run();
    for (const kind of kinds) tx.insert(mailOptOuts).values({ userId, kind, createdAt: now }).run();
  });
  return kinds;
}

/** The recipient of a user's mail: their address and name, or null for an unknown user. */
export function recipientOf(db: Db, userId: number): { email: string; name: string } | null {
  return db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, userId)).get() ?? null;
}

/** Pending messages due now, oldest first (the worker's batch). */
export function dueMail(db: Db, now: Date, limit: number): MailRow[] {
  return db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.status, "pending"), lte(mailOutbox.nextAttemptAt, now)))
    .orderBy(asc(mailOutbox.nextAttemptAt), asc(mailOutbox.id))
    .limit(limit)
    .all();
}

export function updateMail(db: Db, id: number, set: Partial<Omit<MailRow, "id">>): void {
  db.update(mailOutbox).set(set).where(eq(mailOutbox.id, id)).run();
}

export interface OutboxPage {
  rows: MailRow[];
  counts: Record<MailStatus, number>;
}

/** Newest first, for /admin/outbox; `status` filters. */
export function listOutbox(db: Db, opts: { status?: MailStatus | null; limit?: number } = {}): OutboxPage {
  const rows = db
    .select()
    .from(mailOutbox)
    .where(opts.status ? eq(mailOutbox.status, opts.status) : undefined)
    .orderBy(desc(mailOutbox.id))
    .limit(opts.limit ?? 100)
    .all();
  const counts: Record<MailStatus, number> = { pending: 0, sent: 0, failed: 0, expired: 0 };
  for (const r of db
    .select({ status: mailOutbox.status, n: sql<number>`count(*)` })
    .from(mailOutbox)
    .groupBy(mailOutbox.status)
    .all()) {
    counts[r.status] = r.n;
  }
  return { rows, counts };
}

/** Rows of a user (tests and support). */
export function mailOf(db: Db, userId: number, kinds?: MailKind[]): MailRow[] {
  return db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.userId, userId), kinds ? inArray(mailOutbox.kind, kinds) : undefined))
    .orderBy(asc(mailOutbox.id))
    .all();
}
