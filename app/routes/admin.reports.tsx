import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { adminReport } from "~/billing/reports.server";
import { Card, NavList, PageHeader } from "~/components/AppShell";
import { LineChart, SeriesTable } from "~/components/charts";
import { DataTable } from "~/components/DataTable";
import { formatCredits, formatMoney, pageTitle } from "~/components/format";
import { Stat } from "~/components/ui";
import { buttonStyles } from "~/components/forms";
import { FeatureReport } from "~/components/FeatureReport";
import { usageReport } from "~/features/index.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Reports") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const days = new URL(request.url).searchParams.get("days") === "90" ? 90 : 30;
  return { ...adminReport(context, days), features: usageReport(context, days) };
}

export default function Reports() {
  const r = useLoaderData<typeof loader>();
  const days = r.credits.days.map((d) => d.day);
  const col = <K extends keyof (typeof r.credits.days)[number]>(k: K) => r.credits.days.map((d) => d[k] as number);
  const money = (n: number) => formatMoney(n, r.money.currency);
  const granted = [
    { label: "Subscription", values: col("grantedSubscription"), colorClass: "text-indigo-600" },
    { label: "Top-up", values: col("grantedTopup"), colorClass: "text-emerald-600" },
    { label: "Promotional", values: col("grantedPromotional"), colorClass: "text-amber-600" },
  ];
  const removed = [
    { label: "Spent", values: col("spent"), colorClass: "text-indigo-600" },
    { label: "Expired", values: col("expired"), colorClass: "text-amber-600" },
    { label: "Voided", values: col("voided"), colorClass: "text-red-600" },
    { label: "Refunded", values: col("refunded"), colorClass: "text-slate-600" },
  ];
  const outstanding = [{ label: "Outstanding", values: col("outstanding"), colorClass: "text-indigo-600" }];
  const moneySeries = [
    { label: "Top-ups", values: r.money.days.map((d) => d.topupsInCents), colorClass: "text-emerald-600" },
    { label: "Subscriptions", values: r.money.days.map((d) => d.subscriptionsInCents), colorClass: "text-indigo-600" },
    { label: "Top-ups refunded", values: r.money.days.map((d) => d.topupsRefundedCents), colorClass: "text-red-600" },
  ];
  const t = r.credits.totals;
  return (
    <div className="space-y-6">
      <PageHeader title="Reports">Per day (UTC) over the last {r.days} days, today included.</PageHeader>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <NavList
          label="Period"
          items={[
            { to: "/admin/reports", label: "30 days", active: r.days === 30 },
            { to: "/admin/reports?days=90", label: "90 days", active: r.days === 90 },
          ]}
        />
        <a href={`/admin/reports.csv?days=${r.days}`} className={buttonStyles.secondary} download>
          Download CSV
        </a>
      </div>
      <dl className="grid gap-4 sm:grid-cols-3">
        <Stat label="Credits outstanding now" value={formatCredits(t.outstandingNow)} testId="report-outstanding" />
        <Stat
          label={`Credits granted (${r.days} days)`}
          value={formatCredits(t.grantedSubscription + t.grantedTopup + t.grantedPromotional)}
        />
        <Stat
          label={`Money in (${r.days} days)`}
          value={money(r.money.totals.topupsInCents + r.money.totals.subscriptionsInCents)}
        >
          {money(r.money.totals.topupsRefundedCents)} refunded
        </Stat>
      </dl>
      <Card>
        <LineChart
          title="Credits granted per day, by kind"
          days={days}
          series={granted}
          format={formatCredits}
          testId="chart-granted"
        />
        <SeriesTable
          caption="Credits granted per day, by kind"
          days={days}
          series={granted}
          format={formatCredits}
          totals={[t.grantedSubscription, t.grantedTopup, t.grantedPromotional]}
        />
      </Card>
      <Card>
        <LineChart
          title="Credits spent, expired, voided and refunded per day"
          days={days}
          series={removed}
          format={formatCredits}
          testId="chart-removed"
        />
        <SeriesTable
          caption="Credits spent, expired, voided and refunded per day"
          days={days}
          series={removed}
          format={formatCredits}
          totals={[t.spent, t.expired, t.voided, t.refunded]}
        />
      </Card>
      <Card>
        <LineChart
          title="Outstanding balance at the end of each day"
          days={days}
          series={outstanding}
          format={formatCredits}
          testId="chart-outstanding"
        />
        <SeriesTable
          caption="Outstanding balance at the end of each day"
          days={days}
          series={outstanding}
          format={formatCredits}
        />
      </Card>
      <Card>
        <LineChart
          title={`Money in and refunded per day (${r.money.currency.toUpperCase()})`}
          days={days}
          series={moneySeries}
          format={money}
          testId="chart-money"
        />
        <SeriesTable
          caption="Money in and refunded per day"
          days={days}
          series={moneySeries}
          format={money}
          totals={[
            r.money.totals.topupsInCents,
            r.money.totals.subscriptionsInCents,
            r.money.totals.topupsRefundedCents,
          ]}
        />
        {r.money.otherCurrencies.length ? (
          <p className="mt-2 text-sm text-slate-600">
            Payments in {r.money.otherCurrencies.join(", ").toUpperCase()} are not included above.
          </p>
        ) : null}
      </Card>
      <FeatureReport rows={r.features} days={r.days} />
      <Card title="Active subscribers per plan">
        <DataTable
          caption="Live subscriptions per plan and version, now"
          testId="report-plans"
          rows={r.plans}
          rowKey={(p) => p.planId}
          empty="No subscription plans yet."
          columns={[
            { header: "Plan", cell: (p) => p.planName },
            { header: "Family", cell: (p) => p.planFamily ?? "—" },
            { header: "Version", align: "right", cell: (p) => p.version ?? "—" },
            { header: "Subscribers", align: "right", cell: (p) => formatCredits(p.subscribers) },
          ]}
        />
      </Card>
    </div>
  );
}
