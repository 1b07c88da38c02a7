import { Form } from "@remix-run/react";
import type { NextInvoice } from "~/billing/upcoming-invoice.server";
import { Card } from "~/components/AppShell";
import { formatMoney } from "~/components/format";
import { SubmitButton } from "~/components/forms";
import {
  NEEDS_PAYMENT,
  RenewalNote,
  SubscriptionStatusBadge,
  planDisplayName,
  planTerms,
  type PlanLike,
  type SubscriptionLike,
} from "~/components/Subscription";
import { Badge, EmptyState, Time } from "~/components/ui";
import type { OfferedPlan } from "./forms";
import { OfferCard } from "./Offers";

/** The billing page's subscription: the plan, its next invoice, cancel or resume, and plan changes; or the plans to subscribe to. */
export function SubscriptionCard({
  subscription,
  offeredSubscriptionPlans,
  nextInvoice,
}: {
  subscription: SubscriptionLike | null;
  offeredSubscriptionPlans: OfferedPlan[];
  nextInvoice: NextInvoice | null;
}) {
  const live = subscription?.live ? subscription : null;
  const currentPlan: PlanLike | null = live?.plan ?? null;
  const changeable = live && ["active", "trialing", "past_due"].includes(live.status);
  const ending = Boolean(live?.cancelAtPeriodEnd);
  const sameInterval = offeredSubscriptionPlans.filter((p) => !currentPlan || p.interval === currentPlan.interval);
  // The current plan is listed even when it is no longer sold (named as such), so "Keep" has a row.
  const changeRows: PlanLike[] =
    currentPlan && !sameInterval.some((p) => p.id === currentPlan.id) ? [currentPlan, ...sameInterval] : sameInterval;
  return (
    <Card title="Subscription">
      {live && currentPlan ? (
        <div className="space-y-4" data-testid="current-subscription">
          <div className="space-y-1">
            <div className="flex flex-wrap items-center gap-3">
              <p className="text-lg font-semibold text-slate-900" data-testid="current-plan">
                {planDisplayName(currentPlan)}
              </p>
              <SubscriptionStatusBadge subscription={live} />
            </div>
            <p className="text-sm text-slate-700">{planTerms(currentPlan)}</p>
          </div>
          <RenewalNote subscription={live} />
          {nextInvoice ? <NextInvoiceNote next={nextInvoice} /> : null}
          {NEEDS_PAYMENT.includes(live.status) ? (
            <p className="text-sm text-red-800">
              Your last payment did not go through. Update your card in the customer portal below to keep your plan.
            </p>
          ) : null}

          {changeable ? (
            <Form method="post">
              {ending ? (
                <SubmitButton name="intent" value="resume" pendingText="Resuming…">
                  Resume subscription
                </SubmitButton>
              ) : (
                <SubmitButton name="intent" value="review-cancel" variant="secondary" pendingText="Working…">
                  Cancel at period end…
                </SubmitButton>
              )}
            </Form>
          ) : null}

          {changeable && ending ? (
            <p className="text-sm text-slate-700">Resume your subscription to change plans.</p>
          ) : null}

          {/* No upgrade offers while a payment is failing: the card comes first. */}
          {changeable && !ending && !NEEDS_PAYMENT.includes(live.status) && changeRows.length > 0 ? (
            <div className="border-t border-slate-200 pt-4">
              <h3 className="text-base font-semibold text-slate-900">Change plan</h3>
              <p className="mt-1 text-sm text-slate-600">
                Moving to a plan with more credits takes effect now (you pay the difference for the rest of the period
                and get the extra credits); to fewer credits, at renewal. You see the price before anything changes.
              </p>
              <ul className="mt-2 divide-y divide-slate-100">
                {changeRows.map((p) => {
                  const isCurrent = p.id === currentPlan.id;
                  const isPending = live.pendingPlan?.id === p.id;
                  const label = isCurrent
                    ? live.pendingPlan
                      ? `Keep ${p.publicName}…`
                      : null
                    : `Switch to ${p.publicName}…`;
                  const note = isCurrent
                    ? null
                    : p.credits > currentPlan.credits
                      ? "more credits, from now"
                      : "fewer credits, from renewal";
                  return (
                    <li key={p.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
                      <span className="text-sm">
                        <strong className="text-slate-900">{planDisplayName(p)}</strong>{" "}
                        <span className="text-slate-700">— {planTerms(p)}</span>
                        {note ? <span className="text-slate-600"> · {note}</span> : null}
                        {isCurrent ? (
                          <span className="ml-2">
                            <Badge tone="slate">Current</Badge>
                          </span>
                        ) : null}
                        {isPending ? (
                          <span className="ml-2">
                            <Badge tone="amber">From renewal</Badge>
                          </span>
                        ) : null}
                      </span>
                      {label && !isPending ? (
                        <Form method="post">
                          <input type="hidden" name="planId" value={p.id} />
                          <SubmitButton name="intent" value="review-change" variant="secondary" pendingText="Working…">
                            {label}
                          </SubmitButton>
                        </Form>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            </div>
          ) : null}
        </div>
      ) : (
        <div className="space-y-3">
          <p className="text-sm text-slate-700">
            {subscription && !subscription.live ? (
              <>
                Your {subscription.plan ? planDisplayName(subscription.plan) : ""} subscription ended
                {subscription.canceledAt ? (
                  <>
                    {" "}
                    on <Time value={subscription.canceledAt} />
                  </>
                ) : null}
                .{" "}
              </>
            ) : (
              "You have no subscription. "
            )}
            A subscription adds credits every period; they expire at the end of it.
          </p>
          {offeredSubscriptionPlans.length === 0 ? (
            <EmptyState>No plans are on sale right now. Top-up packs below still work.</EmptyState>
          ) : (
            <ul className="grid gap-3 sm:grid-cols-2">
              {offeredSubscriptionPlans.map((p) => (
                <OfferCard key={p.id} plan={p} terms={planTerms(p)}>
                  <SubmitButton name="intent" value="subscribe" pendingText="Opening checkout…">
                    {`Subscribe to ${p.publicName}`}
                  </SubmitButton>
                </OfferCard>
              ))}
            </ul>
          )}
        </div>
      )}
    </Card>
  );
}

/** Stripe's preview of the next invoice; when Stripe cannot answer, the page says so and carries on. */
function NextInvoiceNote({ next }: { next: NextInvoice }) {
  return (
    <p className="text-sm text-slate-700" data-testid="next-invoice">
      {next.available ? (
        <>
          Next invoice: <strong className="text-slate-900">{formatMoney(next.amountDueCents, next.currency)}</strong> on{" "}
          <Time value={next.date} format="date" />.
        </>
      ) : (
        "The amount of your next invoice is unavailable right now; Stripe did not answer. Try again later."
      )}
    </p>
  );
}
