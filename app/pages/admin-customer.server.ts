import type { AppLoadContext } from "@remix-run/node";
import { labelActors, listAudit } from "~/auth/audit-query.server";
import type { Db } from "../../db/client";
import { roleSchema } from "~/pages/role-form";
import { countUsersByRole, getUserById, LAST_ADMIN_MESSAGE, setUserRole, type User } from "~/auth/users.server";
import { adminAdjust, adminGrant, adminVoidGrant } from "~/pages/admin-credits.server";
import {
  checkRefundAmount,
  creditsToClawBack,
  findRefundablePayment,
  listRefundablePayments,
  refundPayment,
} from "~/billing/admin-refund.server";
import { getAutoTopup } from "~/billing/auto-topup.server";
import { featureUsageView } from "~/pages/feature-usage.server";
import {
  listCustomerPayments,
  listCustomerSubscriptions,
  stripeDashboardUrl,
  stripeLinkMode,
} from "~/pages/customers.server";
import {
  adjustSchema,
  centsToMoney,
  grantSchema,
  moneyToCents,
  refundSchema,
  voidSchema,
  type CustomerConfirm,
} from "~/components/admin-customer/forms";
import { KIND_LABELS } from "~/components/BalanceSummary";
import { formatCredits, formatMoney } from "~/components/format";
import { getBalance, getGrant } from "~/credits/index.server";
import { heldByGrant, isLedgerType, listGrantsPage, listLedgerPage, parseBefore } from "~/credits/customer-view.server";
import { getTopupPlan } from "~/plans/index.server";
import { AppError } from "~/utils/errors";
import { reviewThenConfirm, type IntentAnswer, type ReviewedIntent } from "./review-confirm.server";

/** The customer of `/admin/customers/:userId`, or a 404. */
export function customerFromParams(context: AppLoadContext, params: { userId?: string }): User {
  const id = /^\d{1,15}$/.test(params.userId ?? "") ? Number(params.userId) : NaN;
  const user = Number.isSafeInteger(id) && id >= 1 ? getUserById(context.db, id) : undefined;
  if (!user) throw new Response("No such customer.", { status: 404 });
  return user;
}

/** Everything the admin customer page shows, from the page's query string. */
export function customerPageData(context: AppLoadContext, user: User, url: URL) {
  const userId = user.id;
  const typeParam = url.searchParams.get("type");
  const type = isLedgerType(typeParam) ? typeParam : null;
  const autoTopup = getAutoTopup(context, userId, { attempts: 10 });
  // Offline ids link to the offline Stripe's pages, never to dashboard.stripe.com.
  const linkMode = stripeLinkMode(context.env);
  return {
    customer: {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      stripeCustomerId: user.stripeCustomerId,
      createdAt: user.createdAt.toISOString(),
    },
    balance: getBalance(context, userId),
    grants: listGrantsPage(context, userId, { before: parseBefore(url.searchParams.get("grants")) }),
    held: heldByGrant(context, userId),
    ledger: withActorNames(
      context.db,
      listLedgerPage(context, userId, { type, before: parseBefore(url.searchParams.get("before")) }),
    ),
    type,
    subscriptions: listCustomerSubscriptions(context.db, userId).map((s) => ({
      ...s,
      subscriptionUrl: stripeDashboardUrl("subscriptions", s.stripeSubscriptionId, linkMode),
    })),
    customerUrl: user.stripeCustomerId ? stripeDashboardUrl("customers", user.stripeCustomerId, linkMode) : null,
    payments: listCustomerPayments(context.db, userId),
    refundable: listRefundablePayments(context, userId),
    autoTopup,
    autoTopupPackName: autoTopup.topupPlanId
      ? (getTopupPlan(context.db, autoTopup.topupPlanId)?.publicName ?? null)
      : null,
    audit: listAudit(context.db, { userId, limit: 20 }).rows,
    featureUsage: featureUsageView(context, userId),
  };
}

type Intent = ReviewedIntent<{ intent: string }, unknown, CustomerConfirm>;

/** The page's five admin changes, each reviewed before it is made. */
function intents(context: AppLoadContext, admin: { id: number }, user: User): Record<string, Intent> {
  const ctx = { db: context.db, clock: context.clock };
  const userId = user.id;
  const adjust: ReviewedIntent<(typeof adjustSchema)["_output"], null, CustomerConfirm> = {
    form: "adjust",
    reviewIntent: "confirm-adjust",
    confirmIntent: "adjust",
    schema: adjustSchema,
    fields: ["amount", "reason"],
    check: () => null,
    describe: (v, _c, key) => ({
      kind: "adjust",
      amount: v.amount,
      reason: v.reason,
      key,
      balance: getBalance(ctx, userId).balance,
    }),
    confirm(v) {
      const r = adminAdjust(ctx, { adminId: admin.id, userId, amount: v.amount, reason: v.reason, key: v.key! });
      const verb = v.amount > 0 ? `Added ${formatCredits(v.amount)}` : `Took ${formatCredits(-v.amount)}`;
      return `${verb} credits. The balance is now ${formatCredits(r.balance)}.`;
    },
  };
  const grant: ReviewedIntent<(typeof grantSchema)["_output"], Date | null, CustomerConfirm> = {
    form: "grant",
    reviewIntent: "confirm-grant",
    confirmIntent: "grant",
    schema: grantSchema,
    fields: ["amount", "reason", "expiresOn"],
    check(v) {
      // Spendable through the chosen day (UTC): the grant expires when the next day starts.
      const expiresAt = v.expiresOn ? new Date(Date.parse(`${v.expiresOn}T00:00:00Z`) + 86_400_000) : null;
      if (expiresAt && expiresAt <= ctx.clock.now()) {
        throw new AppError("invalid_request", "Choose a day that has not ended yet.", { field: "expiresOn" });
      }
      return expiresAt;
    },
    describe: (v, _c, key) => ({
      kind: "grant",
      amount: v.amount,
      reason: v.reason,
      expiresOn: v.expiresOn ?? "",
      key,
    }),
    confirm(v, expiresAt) {
      const r = adminGrant(ctx, {
        adminId: admin.id,
        userId,
        amount: v.amount,
        reason: v.reason,
        expiresAt,
        key: v.key!,
      });
      return `Granted ${formatCredits(v.amount)} promotional credits. The balance is now ${formatCredits(r.balance)}.`;
    },
  };
  const voidGrant: ReviewedIntent<
    (typeof voidSchema)["_output"],
    NonNullable<ReturnType<typeof getGrant>>,
    CustomerConfirm
  > = {
    form: "void",
    reviewIntent: "confirm-void",
    confirmIntent: "void",
    schema: voidSchema,
    fields: [],
    check(v) {
      const g = getGrant(ctx, v.grantId);
      if (!g || g.userId !== userId) throw new AppError("not_found", "That grant does not belong to this customer.");
      return g;
    },
    describe: (v, g, key) => ({
      kind: "void",
      grantId: g.id,
      remaining: g.remaining,
      held: heldByGrant(ctx, userId)[g.id] ?? 0,
      grantLabel: `${KIND_LABELS[g.type]} grant #${g.id}${g.reason ? ` (“${g.reason}”)` : ""}`,
      key,
      reason: v.reason ?? "",
    }),
    confirm(v) {
      const reason = v.reason || "Voided by an admin";
      const r = adminVoidGrant(ctx, { adminId: admin.id, userId, grantId: v.grantId, reason, key: v.key! });
      return `Voided grant #${v.grantId}: ${formatCredits(r.removed)} credits removed. The balance is now ${formatCredits(r.balance)}.`;
    },
  };
  const refund: ReviewedIntent<
    (typeof refundSchema)["_output"],
    { cents: number; payment: ReturnType<typeof findRefundablePayment> },
    CustomerConfirm
  > = {
    form: "refund",
    reviewIntent: "confirm-refund",
    confirmIntent: "refund",
    schema: refundSchema,
    fields: ["payment", "amount"],
    check(v) {
      const payment = findRefundablePayment(ctx, userId, v.payment);
      const cents = v.amount ? moneyToCents(v.amount) : payment.paidCents - payment.refundedCents;
      checkRefundAmount(payment, cents);
      return { cents, payment };
    },
    describe: (v, { cents, payment }, key) => ({
      kind: "refund",
      payment: payment.ref,
      description: payment.description,
      amount: centsToMoney(cents),
      amountCents: cents,
      paidCents: payment.paidCents,
      refundedCents: payment.refundedCents,
      currency: payment.currency,
      credits: creditsToClawBack(payment, cents),
      key,
    }),
    async confirm(v, { cents }) {
      const r = await refundPayment(context.billing, {
        adminId: admin.id,
        userId,
        ref: v.payment,
        amountCents: cents,
        key: v.key!,
      });
      const then =
        r.payment.kind === "topup" ? " The credits it paid for leave the balance when Stripe confirms it." : "";
      return `Refunded ${formatMoney(r.amountCents, r.currency)} of ${r.payment.description}.${then}`;
    },
  };
  const role: ReviewedIntent<(typeof roleSchema)["_output"], null, CustomerConfirm> = {
    form: "role",
    reviewIntent: "confirm-role",
    confirmIntent: "set-role",
    schema: roleSchema,
    fields: [],
    check(v) {
      if (user.id === admin.id && v.role !== "admin") {
        throw new AppError("invalid_request", "You cannot remove your own admin role; ask another admin.");
      }
      if (v.intent === "confirm-role" && v.role === user.role) {
        throw new AppError("invalid_request", `${user.email} is already ${roleWords(v.role)}.`);
      }
      if (v.intent === "confirm-role" && user.role === "admin" && countUsersByRole(ctx.db).admins <= 1) {
        throw new AppError("conflict", LAST_ADMIN_MESSAGE);
      }
      return null;
    },
    describe: (v) => ({ kind: "role", email: user.email, from: user.role, role: v.role }),
    confirm(v) {
      // Checked again inside the change's transaction, where it counts (a stale `from` is refused).
      setUserRole(ctx, {
        email: user.email,
        role: v.role,
        actor: `user:${admin.id}`,
        byAdminId: admin.id,
        expectedRole: v.from,
      });
      return `${user.email} is now ${roleWords(v.role)}.`;
    },
  };
  return { adjust, grant, void: voidGrant, refund, role } as unknown as Record<string, Intent>;
}

const roleWords = (role: string) => (role === "admin" ? "an admin" : "a customer");

/** The intent a post names ("confirm-grant" and "grant" are both the grant form's). */
const FORM_OF: Record<string, string> = {
  "confirm-adjust": "adjust",
  adjust: "adjust",
  "confirm-grant": "grant",
  grant: "grant",
  "confirm-void": "void",
  void: "void",
  "confirm-refund": "refund",
  refund: "refund",
  "confirm-role": "role",
  "set-role": "role",
};

/** One post of the admin customer page: reviewed, refused with its errors, or done (a toast). */
export async function customerPageAction(
  context: AppLoadContext,
  admin: { id: number },
  user: User,
  formData: FormData,
): Promise<IntentAnswer<CustomerConfirm> | null> {
  const form = FORM_OF[String(formData.get("intent") ?? "")];
  if (!form) return null;
  return reviewThenConfirm(formData, intents(context, admin, user)[form]);
}

/** The ledger page with who made each entry in people's words ("user:1" → their email, "cli" → Command line). */
function withActorNames(db: Db, page: ReturnType<typeof listLedgerPage>) {
  const names = labelActors(
    db,
    page.rows.map((r) => r.actor),
  );
  return {
    ...page,
    rows: page.rows.map((r) => ({ ...r, actorName: r.actor ? (names.get(r.actor) ?? r.actor) : null })),
  };
}
