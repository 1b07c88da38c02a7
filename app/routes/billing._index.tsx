import { data, redirectDocument, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/auth/session.server";
import { performBillingAction, type BillingAction } from "~/billing/billing-page.server";
import { MAX_TOPUP_QUANTITY, formatMoney } from "~/billing/display";
import { getStripe } from "~/billing/stripe.server";
import { getBillingOverview } from "~/billing/subscriptions.server";
import { Card, PageHeader } from "~/components/AppShell";
import { formatCredits, formatDate } from "~/components/format";
import { Alert, SubmitButton, buttonStyles } from "~/components/forms";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Billing — Credits" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  return getBillingOverview(context, user.id);
}

const planId = z.coerce.number().int().positive();
const actionSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("topup"),
    planId,
    quantity: z.coerce.number().int().min(1).max(MAX_TOPUP_QUANTITY).default(1),
  }),
  z.object({ intent: z.literal("subscribe"), planId }),
  z.object({ intent: z.literal("change-plan"), planId }),
  z.object({ intent: z.literal("cancel") }),
  z.object({ intent: z.literal("resume") }),
  z.object({ intent: z.literal("portal") }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const form = Object.fromEntries(await request.formData());
  if (form.quantity === "") delete form.quantity;
  const parsed = actionSchema.safeParse(form);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] === "quantity" ? "quantity" : undefined;
    const message =
      field === "quantity" ? `Choose between 1 and ${MAX_TOPUP_QUANTITY} packs.` : "That action is not available.";
    return data({ ok: false as const, message, field }, { status: 400 });
  }
  try {
    const result = await performBillingAction(
      { db: context.db, clock: context.clock, appUrl: context.env.appUrl },
      getStripe(context),
      user.id,
      parsed.data as BillingAction,
    );
    // A full page load: the checkout and portal pages are not routes of this app.
    if ("redirectTo" in result) return redirectDocument(result.redirectTo);
    return { ok: true as const, message: result.message, field: undefined };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data({ ok: false as const, message: e.message, field: e.field }, { status: httpStatusFor(e.code) });
  }
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

function StatusBadge({ status, ending }: { status: string; ending: boolean }) {
  const good = status === "active" || status === "trialing";
  const tone = ending
    ? "bg-amber-50 text-amber-800 ring-amber-600/20"
    : good
      ? "bg-emerald-50 text-emerald-800 ring-emerald-600/20"
      : "bg-red-50 text-red-800 ring-red-600/20";
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tone}`}
      data-testid="subscription-status"
    >
      {ending && good ? "Ends at period end" : (STATUS_LABELS[status] ?? status)}
    </span>
  );
}

export default function Billing() {
  const { subscription, offeredSubscriptionPlans, offeredTopupPlans, balance, purchases } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const live = subscription?.live ? subscription : null;
  const currentPlan = live?.plan ?? null;
  const changeable = live && ["active", "trialing", "past_due"].includes(live.status);
  const sameInterval = offeredSubscriptionPlans.filter((p) => !currentPlan || p.interval === currentPlan.interval);
  const expiring = balance.grants.filter((g) => g.expiresAt).slice(0, 4);

  return (
    <div className="space-y-6">
      <PageHeader title="Billing">Your plan, top-up packs and payments.</PageHeader>

      {params.get("checkout") === "canceled" && !result ? (
        <Alert tone="info">Checkout was canceled; nothing was charged.</Alert>
      ) : null}
      {result ? <Alert tone={result.ok ? "success" : "error"}>{result.message}</Alert> : null}

      <Card title="Credits">
        <p className="text-3xl font-bold tabular-nums" data-testid="billing-balance">
          {formatCredits(balance.balance)} <span className="text-base font-medium text-slate-600">credits</span>
        </p>
        <dl className="mt-4 grid gap-3 sm:grid-cols-3">
          {(
            [
              ["Subscription", balance.breakdown.subscription],
              ["Promotional", balance.breakdown.promotional],
              ["Top-up", balance.breakdown.topup],
            ] as const
          ).map(([label, amount]) => (
            <div key={label} className="rounded-md bg-slate-50 px-4 py-3">
              <dt className="text-sm text-slate-600">{label}</dt>
              <dd className="text-xl font-semibold tabular-nums">{formatCredits(amount)}</dd>
            </div>
          ))}
        </dl>
        {expiring.length > 0 ? (
          <div className="mt-4 text-sm text-slate-700">
            <p className="font-medium">What expires when</p>
            <ul className="mt-1 list-inside list-disc">
              {expiring.map((g) => (
                <li key={g.id}>
                  {formatCredits(g.remaining)} {g.type === "topup" ? "top-up" : g.type} credits on{" "}
                  <time dateTime={g.expiresAt!}>{formatDate(g.expiresAt)}</time>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <p className="mt-3 text-sm">
          <Link to="/credits" className="text-indigo-700 underline">
            See every grant and your history
          </Link>
        </p>
      </Card>

      <Card title="Subscription">
        {live && currentPlan ? (
          <div className="space-y-4" data-testid="current-subscription">
            <div className="flex flex-wrap items-center gap-3">
              <p className="text-lg font-semibold" data-testid="current-plan">
                {currentPlan.publicName}
              </p>
              <StatusBadge status={live.status} ending={live.cancelAtPeriodEnd} />
            </div>
            <p className="text-sm text-slate-700">
              {formatCredits(currentPlan.credits)} credits per {currentPlan.interval} ·{" "}
              {formatMoney(currentPlan.priceCents, currentPlan.currency)} / {currentPlan.interval}
            </p>
            {live.currentPeriodEnd ? (
              <p className="text-sm text-slate-700" data-testid="renewal">
                {live.cancelAtPeriodEnd ? "Ends on " : "Renews on "}
                <time dateTime={live.currentPeriodEnd}>{formatDate(live.currentPeriodEnd)}</time>
                {live.cancelAtPeriodEnd ? "; your credits stay until they expire." : "; this period's credits expire then."}
              </p>
            ) : null}
            {live.pendingPlan && !live.cancelAtPeriodEnd ? (
              <p className="text-sm text-amber-800" data-testid="pending-plan">
                Changes to <strong>{live.pendingPlan.publicName}</strong> at renewal
                {live.currentPeriodEnd ? ` on ${formatDate(live.currentPeriodEnd)}` : ""} (pending).
              </p>
            ) : null}

            {changeable ? (
              <div className="flex flex-wrap gap-3">
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
              </div>
            ) : null}

            {changeable && sameInterval.length > 0 ? (
              <div>
                <h3 className="text-sm font-semibold text-slate-900">Change plan</h3>
                <p className="text-sm text-slate-600">
                  Upgrades take effect now (you pay the difference for the rest of the period and get the extra
                  credits); downgrades take effect at renewal.
                </p>
                <ul className="mt-2 divide-y divide-slate-100">
                  {sameInterval.map((p) => {
                    const isCurrent = p.id === currentPlan.id;
                    const label = isCurrent
                      ? live.pendingPlan
                        ? `Keep ${p.publicName}`
                        : null
                      : p.credits > currentPlan.credits
                        ? `Upgrade to ${p.publicName}`
                        : `Downgrade to ${p.publicName}`;
                    return (
                      <li key={p.id} className="flex flex-wrap items-center justify-between gap-3 py-2">
                        <span className="text-sm">
                          <strong>{p.publicName}</strong> — {formatCredits(p.credits)} credits ·{" "}
                          {formatMoney(p.priceCents, p.currency)} / {p.interval}
                          {isCurrent ? <span className="ml-2 text-slate-500">(current)</span> : null}
                          {live.pendingPlan?.id === p.id ? <span className="ml-2 text-amber-700">(from renewal)</span> : null}
                        </span>
                        {label && live.pendingPlan?.id !== p.id ? (
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
              {subscription && !subscription.live
                ? `Your ${subscription.plan?.publicName ?? ""} subscription ended${subscription.canceledAt ? ` on ${formatDate(subscription.canceledAt)}` : ""}. `
                : "You have no subscription. "}
              A subscription adds credits every period; they expire at the end of it.
            </p>
            {offeredSubscriptionPlans.length === 0 ? (
              <p className="text-sm text-slate-600">No plans are on sale right now.</p>
            ) : (
              <ul className="grid gap-3 sm:grid-cols-2">
                {offeredSubscriptionPlans.map((p) => (
                  <li key={p.id} className="rounded-md border border-slate-200 p-4" data-plan={p.internalId}>
                    <p className="font-semibold">{p.publicName}</p>
                    <p className="text-sm text-slate-700">
                      {formatCredits(p.credits)} credits / {p.interval} · {formatMoney(p.priceCents, p.currency)} /{" "}
                      {p.interval}
                    </p>
                    <Form method="post" className="mt-3">
                      <input type="hidden" name="planId" value={p.id} />
                      <SubmitButton name="intent" value="subscribe" pendingText="Opening checkout…">
                        {`Subscribe to ${p.publicName}`}
                      </SubmitButton>
                    </Form>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </Card>

      <Card title="Top-up packs">
        <p className="text-sm text-slate-700">One-off credits, used after your subscription credits.</p>
        {offeredTopupPlans.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">No packs are on sale right now.</p>
        ) : (
          <ul className="mt-3 grid gap-3 sm:grid-cols-2">
            {offeredTopupPlans.map((p) => (
              <li key={p.id} className="rounded-md border border-slate-200 p-4" data-plan={p.internalId}>
                <p className="font-semibold">{p.publicName}</p>
                <p className="text-sm text-slate-700">
                  {formatCredits(p.credits)} credits · {formatMoney(p.priceCents, p.currency)} · valid{" "}
                  {p.creditExpiryDays} days
                </p>
                <Form method="post" className="mt-3 flex items-end gap-2">
                  <input type="hidden" name="planId" value={p.id} />
                  <label className="text-sm">
                    <span className="block text-slate-700">Packs</span>
                    <input
                      type="number"
                      name="quantity"
                      min={1}
                      max={MAX_TOPUP_QUANTITY}
                      defaultValue={1}
                      aria-invalid={result && !result.ok && result.field === "quantity" ? true : undefined}
                      className="mt-1 w-20 rounded-md border border-slate-300 px-2 py-1.5"
                    />
                  </label>
                  <SubmitButton name="intent" value="topup" pendingText="Opening checkout…">
                    {`Buy ${p.publicName}`}
                  </SubmitButton>
                </Form>
              </li>
            ))}
          </ul>
        )}
      </Card>

      {purchases.length > 0 ? (
        <Card title="Recent top-ups">
          <ul className="divide-y divide-slate-100 text-sm">
            {purchases.map((p) => (
              <li key={p.id} className="flex flex-wrap justify-between gap-2 py-2">
                <span>
                  {p.planName} — {formatCredits(p.credits)} credits
                </span>
                <span className="text-slate-600">
                  {formatMoney(p.amountPaidCents, p.currency)}
                  {p.amountRefundedCents > 0 ? ` (${formatMoney(p.amountRefundedCents, p.currency)} refunded)` : ""} ·{" "}
                  {formatDate(p.createdAt)}
                </span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      <Card title="Payment details and invoices">
        <p className="text-sm text-slate-700">Update your card, download invoices or manage your plan in Stripe.</p>
        <Form method="post" className="mt-3">
          <button type="submit" name="intent" value="portal" className={buttonStyles.secondary}>
            Open the customer portal
          </button>
        </Form>
      </Card>
    </div>
  );
}
