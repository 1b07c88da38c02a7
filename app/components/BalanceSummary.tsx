import type { ReactNode } from "react";
import { formatCredits } from "./format";
import { Time } from "./ui";

/** The three kinds of credit, in the order they are spent. */
const CREDIT_KINDS = ["subscription", "promotional", "topup"] as const;
export type CreditKind = (typeof CREDIT_KINDS)[number];

export const KIND_LABELS: Record<CreditKind, string> = {
  subscription: "Subscription",
  promotional: "Promotional",
  topup: "Top-up",
};

/** What the summary needs from the credit engine's BalanceView (as JSON). */
export interface BalanceLike {
  balance: number;
  breakdown: Record<CreditKind, number>;
  grants: { type: CreditKind; remaining: number; expiresAt: string | null }[];
}

/** The soonest expiry of each kind, with the credits expiring then. */
function nextExpiryByKind(grants: BalanceLike["grants"]) {
  const next: Partial<Record<CreditKind, { expiresAt: string; amount: number }>> = {};
  for (const g of grants) {
    if (!g.expiresAt || g.remaining <= 0) continue;
    const current = next[g.type];
    if (!current || g.expiresAt < current.expiresAt) next[g.type] = { expiresAt: g.expiresAt, amount: g.remaining };
    else if (g.expiresAt === current.expiresAt) current.amount += g.remaining;
  }
  return next;
}

/**
 * The balance and what it is made of: one card per kind with its soonest expiry. Shared by the
 * credits and billing pages so both say the same thing the same way.
 */
export function BalanceSummary({
  balance,
  testId,
  children,
}: {
  balance: BalanceLike;
  testId: string;
  children?: ReactNode;
}) {
  const expiries = nextExpiryByKind(balance.grants);
  return (
    <div>
      <p className="text-sm font-medium text-slate-600">Balance</p>
      <p className="mt-1 text-4xl font-bold tabular-nums text-slate-900" data-testid={testId}>
        {formatCredits(balance.balance)} <span className="text-lg font-medium text-slate-600">credits</span>
      </p>
      {children ? <div className="mt-2 text-sm text-slate-700">{children}</div> : null}
      <dl className="mt-5 grid gap-3 sm:grid-cols-3">
        {CREDIT_KINDS.map((kind) => {
          const next = expiries[kind];
          return (
            <div key={kind} className="rounded-md bg-slate-50 px-4 py-3 ring-1 ring-inset ring-slate-200">
              <dt className="text-sm text-slate-600">{KIND_LABELS[kind]}</dt>
              <dd className="text-xl font-semibold tabular-nums text-slate-900">
                {formatCredits(balance.breakdown[kind])}
              </dd>
              <dd className="mt-0.5 text-xs text-slate-600">
                {next ? (
                  <>
                    {formatCredits(next.amount)} expire <Time value={next.expiresAt} />
                  </>
                ) : balance.breakdown[kind] > 0 ? (
                  "No expiry"
                ) : (
                  "None"
                )}
              </dd>
            </div>
          );
        })}
      </dl>
    </div>
  );
}
