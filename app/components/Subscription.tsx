import { formatCredits, formatMoney } from "./format";
import { Badge, Time } from "./ui";

/** What these pieces need of a plan and of the billing overview's subscription (as JSON). */
export interface PlanLike {
  id: number;
  publicName: string;
  credits: number;
  priceCents: number;
  currency: string;
  interval: string;
  /** A plan no longer sold (legacy, off sale or archived) is named as such. */
  isLegacy?: boolean;
  isActive?: boolean;
  archivedAt?: string | Date | null;
  createdAt?: string | Date;
}

function isNoLongerSold(plan: PlanLike): boolean {
  return Boolean(plan.isLegacy || plan.isActive === false || plan.archivedAt);
}

/** "Starter", or "Starter (2025 plan, no longer sold)" for a plan that is not on sale any more. */
export function planDisplayName(plan: PlanLike): string {
  if (!isNoLongerSold(plan)) return plan.publicName;
  const year = plan.createdAt ? new Date(plan.createdAt).getUTCFullYear() : null;
  return `${plan.publicName} (${year ? `${year} plan, ` : ""}no longer sold)`;
}

export interface SubscriptionLike {
  status: string;
  live: boolean;
  plan: PlanLike | null;
  pendingPlan: PlanLike | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
}

const STATUS_LABELS: Record<string, string> = {
  active: "Active",
  trialing: "Trial",
  past_due: "Payment failed — retrying",
  unpaid: "Unpaid",
  incomplete: "Awaiting payment",
  incomplete_expired: "Expired",
  canceled: "Canceled",
  paused: "Paused",
};

/** Statuses where the customer must pay (update the card) before the period's credits come or plans change. */
export const NEEDS_PAYMENT = ["past_due", "unpaid", "incomplete"];

function isGood(status: string) {
  return status === "active" || status === "trialing";
}

export function SubscriptionStatusBadge({ subscription }: { subscription: SubscriptionLike }) {
  const { status, cancelAtPeriodEnd: ending } = subscription;
  const good = isGood(status);
  return (
    <Badge tone={ending ? "amber" : good ? "green" : "red"} testId="subscription-status">
      {ending && good ? "Ends at period end" : (STATUS_LABELS[status] ?? status)}
    </Badge>
  );
}

/** "1,000 credits per month · $10.00 / month". */
export function planTerms(plan: PlanLike): string {
  return `${formatCredits(plan.credits)} credits per ${plan.interval} · ${formatMoney(plan.priceCents, plan.currency)} / ${plan.interval}`;
}

/** When the current period ends and what happens then (renewal, end, pending plan change). */
export function RenewalNote({ subscription }: { subscription: SubscriptionLike }) {
  const { currentPeriodEnd, cancelAtPeriodEnd, pendingPlan } = subscription;
  // After a failed renewal the period has begun unpaid: it does not "renew", and its credits are not there yet.
  if (NEEDS_PAYMENT.includes(subscription.status)) {
    return (
      <p className="text-sm text-slate-700" data-testid="renewal">
        The renewal payment did not go through. Stripe tries the card again; this period&apos;s credits are added once
        it is paid.
      </p>
    );
  }
  return (
    <>
      {currentPeriodEnd ? (
        <p className="text-sm text-slate-700" data-testid="renewal">
          {cancelAtPeriodEnd ? "Ends on " : "Renews on "}
          <strong className="font-semibold text-slate-900">
            <Time value={currentPeriodEnd} />
          </strong>
          {cancelAtPeriodEnd ? "; your credits stay until they expire." : "; this period's credits expire then."}
        </p>
      ) : null}
      {pendingPlan && !cancelAtPeriodEnd ? (
        <p
          className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-600/20"
          data-testid="pending-plan"
        >
          Pending change: switches to <strong>{planDisplayName(pendingPlan)}</strong> ({planTerms(pendingPlan)}) at
          renewal
          {currentPeriodEnd ? (
            <>
              {" "}
              on <Time value={currentPeriodEnd} />
            </>
          ) : null}
          .
        </p>
      ) : null}
    </>
  );
}
