/**
 * Money-changing actions an admin takes on one customer: void a grant, adjust the balance, grant
 * promotional credits. Each is one IMMEDIATE transaction holding the credit engine's change and
 * its audit row, so neither exists without the other. Keys come from the confirmation step: a
 * resubmitted confirmation replays (nothing twice, no second audit row).
 */
import { recordAudit, userActor } from "../auth/audit.server";
import { adjustCredits, getGrant, grantCredits, voidGrant } from "../credits/index.server";
import { AppError } from "../utils/errors";
import type { DbClock } from "../utils/context.server";
import { writeTransaction } from "../../db/transaction";

export function adminVoidGrant(
  ctx: DbClock,
  input: { adminId: number; userId: number; grantId: number; reason: string | null; key: string },
): { removed: number; balance: number; replayed: boolean } {
  const grant = getGrant(ctx, input.grantId);
  // A grant of another customer is "not found" here, so a tampered form cannot reach across users.
  if (!grant || grant.userId !== input.userId)
    throw new AppError("not_found", "That grant does not belong to this customer.");
  return writeTransaction(ctx.db, () => {
    const result = voidGrant(ctx, {
      grantId: input.grantId,
      reason: input.reason,
      actor: userActor(input.adminId),
      idempotencyKey: `admin-void:${input.key}`,
    });
    if (!result.replayed) {
      recordAudit(ctx, {
        actor: userActor(input.adminId),
        action: "credits.void",
        subject: userActor(input.userId),
        details: { grantId: input.grantId, removed: result.removed, reason: input.reason },
      });
    }
    return { removed: result.removed, balance: result.balance, replayed: result.replayed };
  });
}

export function adminAdjust(
  ctx: DbClock,
  input: { adminId: number; userId: number; amount: number; reason: string; key: string },
): { balance: number; replayed: boolean; entryId: number } {
  return writeTransaction(ctx.db, () => {
    const result = adjustCredits(ctx, {
      userId: input.userId,
      amount: input.amount,
      reason: input.reason,
      source: "admin",
      actor: userActor(input.adminId),
      idempotencyKey: `admin-adjust:${input.key}`,
    });
    if (!result.replayed) {
      recordAudit(ctx, {
        actor: userActor(input.adminId),
        action: "credits.adjust",
        subject: userActor(input.userId),
        details: { entryId: result.id, amount: input.amount, reason: input.reason, grantId: result.grantId },
      });
    }
    return { balance: result.balance, replayed: result.replayed, entryId: result.id };
  });
}

export function adminGrant(
  ctx: DbClock,
  input: { adminId: number; userId: number; amount: number; reason: string; expiresAt: Date | null; key: string },
): { balance: number; replayed: boolean; grantId: number } {
  return writeTransaction(ctx.db, () => {
    const result = grantCredits(ctx, {
      userId: input.userId,
      type: "promotional",
      amount: input.amount,
      expiresAt: input.expiresAt,
      reason: input.reason,
      source: "admin",
      actor: userActor(input.adminId),
      idempotencyKey: `admin-grant:${input.key}`,
    });
    if (!result.replayed) {
      recordAudit(ctx, {
        actor: userActor(input.adminId),
        action: "credits.grant",
        subject: userActor(input.userId),
        details: {
          grantId: result.grant.id,
          type: "promotional",
          amount: input.amount,
          reason: input.reason,
          expiresAt: input.expiresAt?.toISOString() ?? null,
        },
      });
    }
    return { balance: result.balance, replayed: result.replayed, grantId: result.grant.id };
  });
}
