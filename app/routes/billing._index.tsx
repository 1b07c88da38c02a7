import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import {
  data,
  redirect,
  redirectDocument,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";
import { z } from "zod";
import { requireUser } from "~/auth/session.server";
import { performBillingAction, type BillingAction } from "~/pages/billing-page.server";
import { MAX_TOPUP_QUANTITY } from "~/utils/limits";
import { type PlanChangePreview } from "~/billing/subscriptions.server";
import { getBillingOverview } from "~/pages/billing-overview.server";
import { autoTopupSection, submitAutoTopupForm } from "~/pages/auto-topup-page.server";
import { AutoTopupCard } from "~/components/AutoTopup";
import { Card, PageHeader } from "~/components/AppShell";
import { BalanceSummary } from "~/components/BalanceSummary";
import { CustomerWarnings } from "~/components/CustomerWarnings";
import { DataTable } from "~/components/DataTable";
import { formatCredits, formatMoney, plural, pageTitle } from "~/components/format";
import { Alert, Field, SubmitButton, useFocusFirstError, useSchemaForm } from "~/components/forms";
import {
  NEEDS_PAYMENT,
  RenewalNote,
  SubscriptionStatusBadge,
  planDisplayName,
  planTerms,
} from "~/components/Subscription";
import { Badge, ButtonLink, EmptyState, ResultAlert, TextLink, Time } from "~/components/ui";
import { httpStatusFor, isAppError } from "~/utils/errors";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Billing") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const { toast, clear } = await takeToast(request, context.env);
  return data(
    { ...getBillingOverview(context, user.id), autoTopup: autoTopupSection(context, user.id), toast },
    clear ? { headers: { "Set-Cookie": clear } } : {},
  );
}

const planId = z.number().int().positive();
const QUANTITY = `Choose between 1 and ${MAX_TOPUP_QUANTITY} packs.`;
/** A pack's form: how many packs (an empty box means one). */
const topupSchema = z.object({
  intent: z.literal("topup"),
  planId,
  quantity: z
    .number({ invalid_type_error: QUANTITY })
    .int(QUANTITY)
    .min(1, QUANTITY)
    .max(MAX_TOPUP_QUANTITY, QUANTITY)
    .default(1),
});
/** Every form on the page; the others are a button (and a plan). */
const actionSchema = z.discriminatedUnion("intent", [
  topupSchema,
  z.object({ intent: z.literal("subscribe"), planId }),
  // Changing the plan and canceling are two POSTs: review (what it costs), then confirm ("yes").
  z.object({ intent: z.literal("review-change"), planId }),
  z.object({
    intent: z.literal("change-plan"),
    planId,
    prorationDate: z.number().int().positive().optional(),
    confirm: z.literal("yes").optional(),
  }),
  z.object({ intent: z.literal("review-cancel") }),
  z.object({ intent: z.literal("cancel"), confirm: z.literal("yes").optional() }),
  z.object({ intent: z.literal("resume") }),
  z.object({ intent: z.literal("portal") }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const formData = await request.formData();
  if (formData.get("intent") === "auto-topup") {
    const answer = submitAutoTopupForm(context, user.id, formData);
    return data(answer, { status: answer.ok ? 200 : 400 });
  }
  const submission = parseWithZod(formData, { schema: actionSchema });
  if (submission.status !== "success") {
    const quantity = submission.error?.quantity;
    if (quantity) {
      // Which pack's form was wrong, so the page shows the error next to that input.
      const planId = typeof submission.payload.planId === "string" ? submission.payload.planId : undefined;
      return data(
        { ok: false as const, message: quantity[0], field: "quantity", planId, result: submission.reply() },
        { status: 400 },
      );
    }
    return data({ ok: false as const, message: "That action is not available.", field: undefined }, { status: 400 });
  }
  let action = submission.value as BillingAction & { confirm?: "yes" };
  // A change or cancel that was not confirmed (an old form, a direct POST) is only reviewed.
  if (action.intent === "change-plan" && action.confirm !== "yes") {
    action = { intent: "review-change", planId: action.planId };
  } else if (action.intent === "cancel" && action.confirm !== "yes") {
    action = { intent: "review-cancel" };
  }
  try {
    const result = await performBillingAction(context.billing, context.billing.stripe, user.id, action);
    // A full page load: the checkout and portal pages are not routes of this app.
    if ("redirectTo" in result) return redirectDocument(result.redirectTo);
    if ("review" in result) return { ok: true as const, message: "", field: undefined, review: result.review };
    if ("reviewCancel" in result) {
      return { ok: true as const, message: "", field: undefined, reviewCancel: result.reviewCancel };
    }
    // Done: a fresh page (new balance, plan and history), the message carried in a cookie.
    return redirect("/billing", {
      headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message: result.message }) },
    });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data({ ok: false as const, message: e.message, field: e.field }, { status: httpStatusFor(e.code) });
  }
}

type Overview = ReturnType<typeof useLoaderData<typeof loader>>;
type Offered = Overview["offeredSubscriptionPlans"][number] | Overview["offeredTopupPlans"][number];

/** One plan or pack on sale: name, terms, and a form that buys it (the caller's fields and button). */
function OfferCard({
  plan,
  terms,
  formProps,
  children,
}: {
  plan: Offered;
  terms: string;
  formProps?: ReturnType<typeof getFormProps>;
  children: ReactNode;
}) {
  return (
    <li className="flex flex-col rounded-md border border-slate-200 p-4" data-plan={plan.internalId}>
      <p className="font-semibold text-slate-900">{plan.publicName}</p>
      <p className="text-sm text-slate-700">{terms}</p>
      <Form method="post" {...formProps} className="mt-auto flex flex-wrap items-end gap-2 pt-3">
        <input type="hidden" name="planId" value={plan.id} />
        {children}
      </Form>
    </li>
  );
}

/** Billing's PlanChangePreview as the page gets it: the plans in their offered (serialized) shape. */
type Review = Omit<PlanChangePreview, "current" | "target"> & {
  current: Overview["offeredSubscriptionPlans"][number];
  target: Overview["offeredSubscriptionPlans"][number];
};

type ActionResult = {
  ok: boolean;
  message: string;
  field?: string;
  planId?: string;
  result?: SubmissionResult<string[]>;
  review?: Review;
  reviewCancel?: { endsAt: string | null; planName: string | null };
};

/** A pack on sale with its own Conform form: the quantity is checked in the browser and on the server. */
function TopupOffer({
  plan,
  lastResult,
}: {
  plan: Overview["offeredTopupPlans"][number];
  lastResult?: SubmissionResult<string[]>;
}) {
  const [form, fields] = useSchemaForm(topupSchema, {
    id: `pack-${plan.id}`,
    lastResult,
    defaultValue: { quantity: "1" },
  });
  return (
    <OfferCard
      plan={plan}
      formProps={getFormProps(form)}
      terms={`${formatCredits(plan.credits)} credits · ${formatMoney(plan.priceCents, plan.currency)} · valid ${plural(plan.creditExpiryDays, "day")}`}
    >
      <Field field={fields.quantity} label="Packs" type="number" inputMode="numeric" className="w-24" />
      <SubmitButton name="intent" value="topup" pendingText="Opening checkout…">
        {`Buy ${plan.publicName}`}
      </SubmitButton>
    </OfferCard>
  );
}

/** Moves focus to a confirmation step when it appears, so keyboard and screen-reader users land on it. */
function useFocusOnMount<T extends HTMLElement>(key: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (key) ref.current?.focus();
  }, [key]);
  return ref;
}

/** The confirmation step of a plan change: what Stripe charges now and at renewal, and the credits. */
function ReviewChange({ review }: { review: Review }) {
  const ref = useFocusOnMount<HTMLHeadingElement>(review);
  const { kind, current, target } = review;
  const keep = kind === "keep";
  const verb = keep ? `Keep ${planDisplayName(current)}` : `Switch to ${target.publicName}`;
  return (
    <Card>
      <div data-testid="plan-change-review" className="space-y-3">
        <h2 ref={ref} tabIndex={-1} className="text-lg font-semibold text-slate-900 focus:outline-none">
          {keep
            ? `Keep ${planDisplayName(current)} after renewal?`
            : `Switch from ${planDisplayName(current)} to ${target.publicName}?`}
        </h2>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-600">Charged now</dt>
          <dd className="font-semibold text-slate-900" data-testid="amount-now">
            {formatMoney(review.amountNowCents, review.currency)}
            <span className="ml-1 font-normal text-slate-600">
              {kind === "upgrade"
                ? "— the difference for the rest of this period"
                : kind === "downgrade"
                  ? "— the change takes effect at renewal"
                  : ""}
            </span>
          </dd>
          <dt className="text-slate-600">At renewal</dt>
          <dd className="text-slate-900" data-testid="amount-at-renewal">
            {formatMoney(review.amountAtRenewalCents, review.currency)}
            {review.renewsAt ? (
              <>
                {" "}
                on <Time value={review.renewsAt} format="date" />
              </>
            ) : null}
            , then every {target.interval}
          </dd>
          <dt className="text-slate-600">Credits</dt>
          <dd className="text-slate-900" data-testid="credits-brought">
            {kind === "upgrade" ? (
              <>
                +{formatCredits(review.creditsNow)} now for the rest of this period, then{" "}
                {formatCredits(review.creditsPerPeriod)} every {target.interval}
              </>
            ) : (
              <>
                {formatCredits(review.creditsPerPeriod)} every {target.interval} from renewal
              </>
            )}
          </dd>
        </dl>
        <p className="text-xs text-slate-600">Amounts are Stripe&apos;s own preview of the invoice.</p>
        <div className="flex flex-wrap items-center gap-3">
          <Form method="post">
            <input type="hidden" name="planId" value={target.id} />
            <input type="hidden" name="prorationDate" value={review.prorationDate} />
            <input type="hidden" name="confirm" value="yes" />
            <SubmitButton name="intent" value="change-plan" pendingText="Working…">
              {`Yes, ${verb.charAt(0).toLowerCase()}${verb.slice(1)}`}
            </SubmitButton>
          </Form>
          <ButtonLink to="/billing" variant="secondary">
            No, go back
          </ButtonLink>
        </div>
      </div>
    </Card>
  );
}

function ReviewCancel({ review }: { review: NonNullable<ActionResult["reviewCancel"]> }) {
  const ref = useFocusOnMount<HTMLHeadingElement>(review);
  return (
    <Card>
      <div data-testid="cancel-review" className="space-y-3">
        <h2 ref={ref} tabIndex={-1} className="text-lg font-semibold text-slate-900 focus:outline-none">
          Cancel your {review.planName ?? ""} subscription?
        </h2>
        <p className="text-sm text-slate-700">
          It will not renew. It ends
          {review.endsAt ? (
            <>
              {" "}
              on <Time value={review.endsAt} />
            </>
          ) : (
            " at the end of this period"
          )}
          ; nothing more is charged and the credits you have stay until they expire. You can resume it until then.
        </p>
        <div className="flex flex-wrap items-center gap-3">
          <Form method="post">
            <input type="hidden" name="confirm" value="yes" />
            <SubmitButton name="intent" value="cancel" pendingText="Canceling…">
              Yes, cancel at period end
            </SubmitButton>
          </Form>
          <ButtonLink to="/billing" variant="secondary">
            No, keep my subscription
          </ButtonLink>
        </div>
      </div>
    </Card>
  );
}

const PAYMENT_STATUS: Record<string, { label: string; tone: "green" | "red" | "amber" | "slate" }> = {
  paid: { label: "Paid", tone: "green" },
  failed: { label: "Failed", tone: "red" },
  partially_refunded: { label: "Partly refunded", tone: "amber" },
  refunded: { label: "Refunded", tone: "slate" },
};

const HISTORY_TEXT: Record<string, (e: Overview["subscriptionHistory"][number]) => string> = {
  started: (e) => `Started ${e.planName ?? "a subscription"}`,
  upgraded: (e) => `Upgraded from ${e.fromPlanName ?? "—"} to ${e.planName ?? "—"}`,
  downgraded: (e) => `Downgrade from ${e.fromPlanName ?? "—"} to ${e.planName ?? "—"} scheduled for renewal`,
  downgrade_canceled: (e) => `Scheduled change to ${e.fromPlanName ?? "—"} canceled; stays on ${e.planName ?? "—"}`,
  renewed: (e) => `Renewed ${e.planName ?? ""}`,
  payment_failed: (e) => `Payment for ${e.planName ?? "the subscription"} failed`,
  canceled: (e) => `Canceled ${e.planName ?? ""}: ends at the end of the period`,
  resumed: (e) => `Resumed ${e.planName ?? ""}`,
  ended: (e) => `${e.planName ?? "Subscription"} ended`,
};

export default function Billing() {
  const {
    subscription,
    offeredSubscriptionPlans,
    offeredTopupPlans,
    balance,
    payments,
    subscriptionHistory,
    warnings,
    toast,
    autoTopup,
  } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const [params] = useSearchParams();
  const pageRef = useFocusFirstError<HTMLDivElement>(result && !result.ok ? result : undefined);
  const live = subscription?.live ? subscription : null;
  const currentPlan = live?.plan ?? null;
  const changeable = live && ["active", "trialing", "past_due"].includes(live.status);
  const ending = Boolean(live?.cancelAtPeriodEnd);
  const sameInterval = offeredSubscriptionPlans.filter((p) => !currentPlan || p.interval === currentPlan.interval);
  const quantityError = result && !result.ok && result.field === "quantity" ? result : undefined;
  // The current plan is listed even when it is no longer sold (named as such), so "Keep" has a row.
  const changeRows =
    currentPlan && !sameInterval.some((p) => p.id === currentPlan.id) ? [currentPlan, ...sameInterval] : sameInterval;

  return (
    <div className="space-y-6" ref={pageRef}>
      <PageHeader title="Billing">Your plan, top-up packs and payments.</PageHeader>

      {params.get("checkout") === "canceled" && !result ? (
        <Alert tone="info">Checkout was canceled; nothing was charged.</Alert>
      ) : null}
      {toast && !result ? <Alert tone={toast.tone === "error" ? "error" : "success"}>{toast.message}</Alert> : null}
      {quantityError ? null : <ResultAlert result={result} />}
      {result?.review ? <ReviewChange review={result.review} /> : null}
      {result?.reviewCancel ? <ReviewCancel review={result.reviewCancel} /> : null}

      <CustomerWarnings warnings={warnings} />

      <Card title="Credits">
        <BalanceSummary balance={balance} testId="billing-balance" />
        <p className="mt-4 text-sm">
          <TextLink to="/credits">See every grant, your usage and your history</TextLink>
        </p>
      </Card>

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
                            <SubmitButton
                              name="intent"
                              value="review-change"
                              variant="secondary"
                              pendingText="Working…"
                            >
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

      <Card title="Top-up packs">
        <p className="text-sm text-slate-700">One-off credits, used after your subscription and promotional credits.</p>
        {offeredTopupPlans.length === 0 ? (
          <div className="mt-3">
            <EmptyState>No packs are on sale right now.</EmptyState>
          </div>
        ) : (
          <ul className="mt-3 grid gap-3 sm:grid-cols-2">
            {offeredTopupPlans.map((p) => (
              <TopupOffer
                key={p.id}
                plan={p}
                lastResult={quantityError?.planId === String(p.id) ? quantityError.result : undefined}
              />
            ))}
          </ul>
        )}
      </Card>

      <AutoTopupCard
        section={autoTopup}
        lastResult={result && "form" in result && result.form === "auto-topup" ? (result.result as never) : undefined}
      />

      <Card title="Payments">
        <div data-testid="payments">
          <DataTable
            caption="Every payment: subscription invoices and top-ups, newest first"
            rows={payments}
            rowKey={(p) => p.key}
            empty="No payments yet."
            columns={[
              { header: "Date", cell: (p) => <Time value={p.createdAt} format="date" /> },
              { header: "What", cell: (p) => p.description },
              {
                header: "Amount",
                align: "right",
                cell: (p) => (
                  <span className="tabular-nums">
                    {formatMoney(p.amountCents, p.currency)}
                    {p.amountRefundedCents > 0 ? (
                      <span className="block text-xs text-slate-600">
                        {formatMoney(p.amountRefundedCents, p.currency)} refunded
                      </span>
                    ) : null}
                  </span>
                ),
              },
              {
                header: "Status",
                cell: (p) => <Badge tone={PAYMENT_STATUS[p.status].tone}>{PAYMENT_STATUS[p.status].label}</Badge>,
              },
              {
                header: "Document",
                cell: (p) =>
                  p.url ? (
                    <a className="font-medium text-indigo-700 underline" href={p.url} rel="noreferrer" target="_blank">
                      {p.kind === "subscription" ? "Invoice" : "Receipt"}
                      <span className="sr-only"> for {p.description} (opens Stripe)</span>
                    </a>
                  ) : (
                    "—"
                  ),
              },
            ]}
          />
        </div>
      </Card>

      <Card title="Subscription history">
        <div data-testid="subscription-history">
          <DataTable
            caption="Every change to your subscription, newest first"
            rows={subscriptionHistory}
            rowKey={(e) => e.id}
            empty="No subscription yet."
            columns={[
              { header: "When", cell: (e) => <Time value={e.occurredAt} /> },
              { header: "What happened", cell: (e) => HISTORY_TEXT[e.kind]?.(e) ?? e.kind },
            ]}
          />
        </div>
      </Card>

      <Card title="Payment details">
        <p className="text-sm text-slate-700">
          Update your card or download invoices in Stripe&apos;s customer portal.
        </p>
        <Form method="post" className="mt-3">
          <SubmitButton name="intent" value="portal" variant="secondary" pendingText="Opening the portal…">
            Open the customer portal
          </SubmitButton>
        </Form>
      </Card>
    </div>
  );
}
