import { desc } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditLog } from "../../db/schema";
import type { DbClock } from "../utils/context.server";

export type AuditEntry = typeof auditLog.$inferSelect;

export interface AuditInput {
  /** Who did it: "user:<id>", "api_key:<id>", "cli", "stripe", "system". */
  actor: string;
  /** Dotted verb, e.g. "user.login", "credits.grant", "plan.update". */
  action: string;
  /** What it was done to, e.g. "user:42", "plan:7". */
  subject?: string | null;
  details?: Record<string, unknown> | null;
}

/**
 * Appends one audit row. Call it inside the transaction that makes the change it describes, so
 * the change and its record commit together.
 */
export function recordAudit(ctx: DbClock, input: AuditInput): AuditEntry {
  const { db, clock } = ctx;
  return db
    .insert(auditLog)
    .values({
      actor: input.actor,
      action: input.action,
      subject: input.subject ?? null,
      details: input.details ?? null,
      createdAt: clock.now(),
    })
    .returning()
    .get();
}

/** Newest first. */
export function listRecentAudit(db: Db, limit = 20): AuditEntry[] {
  return db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit).all();
}

export function userActor(userId: number): string {
  return `user:${userId}`;
}
