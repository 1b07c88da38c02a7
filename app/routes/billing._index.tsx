import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import {
  data,
  redirectDocument,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import type { ReactNode } from "react";
import { z } from "zod";
import { requireUser } from "~/auth/session.server";
import { performBillingAction, type BillingAction } from "~/billing/billing-page.server";
import { MAX_TOPUP_QUANTITY } from "~/billing/display";
import { getBillingOverview } from "~/billing/subscriptions.server";
import { autoTopupSection, submitAutoTopupForm } from "~/billing/auto-topup-page.server";
import { AutoTopupCard } from "~/components/AutoTopup";
import { Card, PageHeader } from "~/components/AppShell";
import { BalanceSummary } from "~/components/BalanceSummary";
import { formatCredits, formatMoney, plural } from "~/components/format";
import { Alert, Field, SubmitButton, useFocusFirstError } from "~/components/forms";
import { RenewalNote, SubscriptionStatusBadge, planTerms } from "~/components/Subscription";
import { Badge, EmptyState, ResultAlert, TextLink, Time } from "~/components/ui";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Billing — Credits" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  return { ...getBillingOverview(context, user.id), autoTopup: autoTopupSection(context, user.id) };
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
  z.object({ intent: z.literal("change-plan"), planId }),
  z.object({ intent: z.literal("cancel") }),
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
  try {
    const result = await performBillingAction(
      context.billing,
      context.billing.stripe,
      user.id,
      submission.value as BillingAction,
    );
    // A full page load: the checkout and portal pages are not routes of this app.
    if ("redirectTo" in result) return redirectDocument(result.redirectTo);
    return { ok: true as const, message: result.message, field: undefined };
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

type ActionResult = {
  ok: boolean;
  message: string;
  field?: string;
  planId?: string;
  result?: SubmissionResult<string[]>;
};

/** A pack on sale with its own Conform form: the quantity is checked in the browser and on the server. */
function TopupOffer({
  plan,
  lastResult,
}: {
  plan: Overview["offeredTopupPlans"][number];
  lastResult?: SubmissionResult<string[]>;
}) {
  const [form, fields] = useForm({
    id: `pack-${plan.id}`,
    lastResult,
    defaultValue: { quantity: "1" },
    constraint: getZodConstraint(topupSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: topupSchema }),
    shouldValidate: "onSubmit",
    shouldRevalidate: "onInput",
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

/** Statuses where the customer must act in the portal before plans can change. */
const NEEDS_PAYMENT = ["past_due", "unpaid", "incomplete"];

export default function Billing() {
  const { subscription, offeredSubscriptionPlans, offeredTopupPlans, balance, purchases, autoTopup } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const [params] = useSearchParams();
  const pageRef = useFocusFirstError<HTMLDivElement>(result && !result.ok ? result : undefined);
  const live = subscription?.live ? subscription : null;
  const currentPlan = live?.plan ?? null;
  const changeable = live && ["active", "trialing", "past_due"].includes(live.status);
  const sameInterval = offeredSubscriptionPlans.filter((p) => !currentPlan || p.interval === currentPlan.interval);
  const quantityError = result && !result.ok && result.field === "quantity" ? result : undefined;

  return (
    <div className="space-y-6" ref={pageRef}>
      <PageHeader title="Billing">Your plan, top-up packs and payments.</PageHeader>

      {params.get("checkout") === "canceled" && !result ? (
        <Alert tone="info">Checkout was canceled; nothing was charged.</Alert>
      ) : null}
      {quantityError ? null : <ResultAlert result={result} />}

      <Card title="Credits">
        <BalanceSummary balance={balance} testId="billing-balance" />
        <p className="mt-4 text-sm">
          <TextLink to="/credits">See every grant and your history</TextLink>
        </p>
      </Card>

      <Card title="Subscription">
        {live && currentPlan ? (
          <div className="space-y-4" data-testid="current-subscription">
            <div className="space-y-1">
              <div className="flex flex-wrap items-center gap-3">
                <p className="text-lg font-semibold text-slate-900" data-testid="current-plan">
                  {currentPlan.publicName}
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
                {live.cancelAtPeriodEnd ? (
                  <SubmitButton name="intent" value="resume" pendingText="Resuming…">
                    Resume subscription
                  </SubmitButton>
                ) : (
                  <SubmitButton name="intent" value="cancel" variant="secondary" pendingText="Canceling…">
                    Cancel at period end
                  </SubmitButton>
                )}
              </Form>
            ) : null}

            {changeable && sameInterval.length > 0 ? (
              <div className="border-t border-slate-200 pt-4">
                <h3 className="text-base font-semibold text-slate-900">Change plan</h3>
                <p className="mt-1 text-sm text-slate-600">
                  Upgrades take effect now (you pay the difference for the rest of the period and get the extra
                  credits); downgrades take effect at renewal.
                </p>
                <ul className="mt-2 divide-y divide-slate-100">
                  {sameInterval.map((p) => {
                    const isCurrent = p.id === currentPlan.id;
                    const isPending = live.pendingPlan?.id === p.id;
                    const label = isCurrent
                      ? live.pendingPlan
                        ? `Keep ${p.publicName}`
                        : null
                      : p.credits > currentPlan.credits
                        ? `Upgrade to ${p.publicName}`
                        : `Downgrade to ${p.publicName}`;
                    return (
                      <li key={p.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
                        <span className="text-sm">
                          <strong className="text-slate-900">{p.publicName}</strong>{" "}
                          <span className="text-slate-700">— {planTerms(p)}</span>
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
                            <SubmitButton name="intent" value="change-plan" variant="secondary" pendingText="Working…">
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
                  Your {subscription.plan?.publicName ?? ""} subscription ended
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
        <p className="text-sm text-slate-700">One-off credits, used after your subscription credits.</p>
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

      {purchases.length > 0 ? (
        <Card title="Recent top-ups">
          <ul className="divide-y divide-slate-100 text-sm">
            {purchases.map((p) => (
              <li key={p.id} className="flex flex-wrap justify-between gap-x-4 gap-y-1 py-2">
                <span className="font-medium text-slate-900">
                  {p.planName} — {formatCredits(p.credits)} credits
                </span>
                <span className="text-slate-600">
                  {formatMoney(p.amountPaidCents, p.currency)}
                  {p.amountRefundedCents > 0
                    ? ` (${formatMoney(p.amountRefundedCents, p.currency)} refunded)`
                    : ""} · <Time value={p.createdAt} format="date" />
                </span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      <Card title="Payment details and invoices">
        <p className="text-sm text-slate-700">Update your card, download invoices or manage your plan in Stripe.</p>
        <Form method="post" className="mt-3">
          <SubmitButton name="intent" value="portal" variant="secondary" pendingText="Opening the portal…">
            Open the customer portal
          </SubmitButton>
        </Form>
      </Card>
    </div>
  );
}
