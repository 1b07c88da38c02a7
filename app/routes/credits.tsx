import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { getBillingOverview } from "~/pages/billing-overview.server";
import { isLedgerType, listLedgerPage, parseBefore, usageOverTime } from "~/credits/customer-view.server";
import { Card, PageHeader } from "~/components/AppShell";
import { BalanceSummary, KIND_LABELS } from "~/components/BalanceSummary";
import { LineChart, SeriesTable } from "~/components/charts";
import { CustomerWarnings, inDaysText } from "~/components/CustomerWarnings";
import { DataTable } from "~/components/DataTable";
import { ENTRY_LABELS, formatCredits, formatSignedCredits, plural, pageTitle } from "~/components/format";
import { RenewalNote, SubscriptionStatusBadge, planDisplayName, planTerms } from "~/components/Subscription";
import { ButtonLink, TextLink, Time } from "~/components/ui";
import { buttonStyles } from "~/components/forms";
import { FeatureUsage } from "~/components/FeatureUsage";
import { featureUsageView } from "~/pages/feature-usage.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Your credits") }];

const HISTORY_PAGE_SIZE = 20;

/**
 * `?type=` filters the history to one kind of entry and `?before=<id>` pages back through it
 * (keyset on the ledger id); bad values mean "all" and "the newest".
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const params = new URL(request.url).searchParams;
  const type = params.get("type");
  const before = parseBefore(params.get("before"));
  const history = listLedgerPage(context, user.id, {
    type: isLedgerType(type) ? type : null,
    before,
    limit: HISTORY_PAGE_SIZE,
  });
  const { balance, subscription, warnings } = getBillingOverview(context, user.id);
  return {
    balance,
    warnings,
    usage: usageOverTime(context, user.id, balance.balance),
    featureUsage: featureUsageView(context, user.id),
    subscription: subscription?.live ? subscription : null,
    history: history.rows.map(({ id, type, amount, balanceAfter, reason, createdAt }) => ({
      id,
      type,
      amount,
      balanceAfter,
      reason,
      createdAt,
    })),
    olderBefore: history.nextBefore,
    isFirstPage: before === null,
    type: isLedgerType(type) ? type : null,
  };
}

const USAGE_TABLE = "Balance and credits used per day, last 30 days (UTC)";

export default function Credits() {
  const { balance, warnings, usage, featureUsage, subscription, history, olderBefore, isFirstPage, type } =
    useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const csvHref = `/credits/history.csv${type ? `?type=${type}` : ""}`;
  const days = usage.days;
  return (
    <div className="space-y-6">
      <PageHeader title="Your credits">What you have, what it is made of, and when it expires.</PageHeader>

      <CustomerWarnings warnings={warnings} />

      <Card>
        <BalanceSummary balance={balance} testId="credit-balance">
          {balance.nextExpiry ? (
            <>
              Next expiry: <strong>{formatCredits(balance.nextExpiry.amount)} credits</strong> on{" "}
              <Time value={balance.nextExpiry.expiresAt} />.
            </>
          ) : (
            "None of your credits expire."
          )}
        </BalanceSummary>
        <div className="mt-5">
          <ButtonLink to="/billing" variant="secondary">
            Buy more credits
          </ButtonLink>
        </div>
      </Card>

      <Card title="Usage over time">
        <p className="text-sm text-slate-700" data-testid="forecast">
          {usage.dailyRate > 0 && usage.runsOutAt !== null && usage.daysLeft !== null ? (
            <>
              At your current rate of about <strong>{plural(usage.dailyRate, "credit")} a day</strong>, your balance
              runs out around <Time value={usage.runsOutAt} format="date" /> ({inDaysText(usage.daysLeft)}), not
              counting credits that expire before they are used or credits you add.
            </>
          ) : usage.lastsBeyondHorizon ? (
            <>
              At your current rate of about <strong>{plural(usage.dailyRate, "credit")} a day</strong>, your balance
              lasts more than ten years.
            </>
          ) : usage.dailyRate > 0 ? (
            "You have no credits left at your current rate of use."
          ) : (
            "You have not used any credits in the last 30 days, so there is nothing to forecast."
          )}
        </p>
        <div className="mt-4 grid gap-6 lg:grid-cols-2" data-testid="usage-chart">
          <LineChart
            title="Balance at the end of each day"
            days={days}
            series={[{ label: "Balance", values: usage.balance, colorClass: "text-indigo-600" }]}
            format={formatCredits}
          />
          <LineChart
            title="Credits used each day"
            days={days}
            series={[{ label: "Used", values: usage.spent, colorClass: "text-rose-600" }]}
            format={formatCredits}
          />
        </div>
        <SeriesTable
          caption={USAGE_TABLE}
          days={usage.days}
          series={[
            { label: "Balance", values: usage.balance },
            { label: "Used", values: usage.spent },
          ]}
          format={formatCredits}
          totals={[null, usage.spent.reduce((a, b) => a + b, 0)]}
        />
      </Card>

      <FeatureUsage usage={featureUsage} />

      <Card title="Your plan">
        {subscription?.plan ? (
          <div className="space-y-2">
            <p className="flex flex-wrap items-center gap-3">
              <span className="font-semibold text-slate-900">{planDisplayName(subscription.plan)}</span>
              <SubscriptionStatusBadge subscription={subscription} />
            </p>
            <p className="text-sm text-slate-700">{planTerms(subscription.plan)}</p>
            <RenewalNote subscription={subscription} />
            <p className="pt-1 text-sm">
              <TextLink to="/billing">Manage your subscription</TextLink>
            </p>
          </div>
        ) : (
          <p className="text-sm text-slate-700">
            You have no subscription. A plan adds credits every month. <TextLink to="/billing">See the plans</TextLink>
          </p>
        )}
      </Card>

      <Card title="What you have, in the order it is used">
        <DataTable
          caption="Your credits by grant, in the order they are spent"
          rows={balance.grants}
          rowKey={(g) => g.id}
          empty="You have no credits yet. Subscribe or buy a top-up pack on the billing page."
          columns={[
            { header: "Kind", cell: (g) => KIND_LABELS[g.type] },
            { header: "Left", align: "right", cell: (g) => formatCredits(g.remaining) },
            {
              header: "Of",
              align: "right",
              cell: (g) => <span className="text-slate-500">{formatCredits(g.amount)}</span>,
            },
            { header: "Expires", cell: (g) => (g.expiresAt ? <Time value={g.expiresAt} /> : "Never") },
            { header: "Reason", cell: (g) => <span className="text-slate-600">{g.reason ?? "—"}</span> },
          ]}
        />
      </Card>

      <Card title={isFirstPage ? "Recent activity" : "Earlier activity"}>
        <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
          <Form method="get" className="flex flex-wrap items-end gap-2">
            <div>
              <label htmlFor="history-type" className="block text-sm font-medium text-slate-700">
                Show
              </label>
              <select
                id="history-type"
                name="type"
                defaultValue={type ?? ""}
                className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm"
              >
                <option value="">Everything</option>
                {Object.entries(ENTRY_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className={buttonStyles.secondary}>
              Filter
            </button>
          </Form>
          <a href={csvHref} download className={buttonStyles.secondary} data-testid="history-csv">
            Download CSV
          </a>
        </div>
        <DataTable
          caption={type ? `${ENTRY_LABELS[type]} entries, newest first` : "Every change to your balance, newest first"}
          rows={history}
          rowKey={(e) => e.id}
          testId="history"
          empty={
            isFirstPage
              ? type
                ? "No entries of this kind."
                : "Nothing has happened yet. Credits you get and use will show up here."
              : "No earlier activity."
          }
          columns={[
            { header: "When", cell: (e) => <Time value={e.createdAt} /> },
            { header: "What", cell: (e) => ENTRY_LABELS[e.type] ?? e.type },
            {
              header: "Credits",
              align: "right",
              cell: (e) => (
                <span className={e.amount < 0 ? "text-red-700" : "text-emerald-700"}>
                  {formatSignedCredits(e.amount)}
                </span>
              ),
            },
            { header: "Balance after", align: "right", cell: (e) => formatCredits(e.balanceAfter) },
            { header: "Reason", cell: (e) => <span className="text-slate-600">{e.reason ?? "—"}</span> },
          ]}
        />
        {olderBefore || !isFirstPage ? (
          <nav aria-label="History pages" className="mt-4 flex flex-wrap gap-3">
            {!isFirstPage ? (
              <ButtonLink to={type ? `/credits?type=${type}` : "/credits"} variant="secondary" preventScrollReset>
                Newest entries
              </ButtonLink>
            ) : null}
            {olderBefore ? (
              <ButtonLink
                to={`/credits?${new URLSearchParams({ ...Object.fromEntries(params), before: String(olderBefore) })}`}
                variant="secondary"
                preventScrollReset
              >
                Older entries
              </ButtonLink>
            ) : null}
          </nav>
        ) : null}
      </Card>
    </div>
  );
}
