import type { FeatureUsageView } from "~/pages/feature-usage.server";
import { Card } from "./AppShell";
import { LineChart, SeriesTable } from "./charts";
import { DataTable } from "./DataTable";
import { formatCredits } from "./format";
import { unitsText } from "./PriceBook";
import { Time } from "./ui";

const COLORS = [
  "text-indigo-600",
  "text-rose-600",
  "text-emerald-700",
  "text-amber-700",
  "text-sky-700",
  "text-slate-700",
];

/**
 * Usage by feature for the period (table and the credits-per-day chart split by feature) and the
 * included units left; the customer's credits page and the admin's customer page both show it.
 */
export function FeatureUsage({ usage, who = "you" }: { usage: FeatureUsageView; who?: "you" | "customer" }) {
  const period =
    usage.period === "billing-period" ? (
      <>
        this billing period (since <Time value={usage.from} format="date" />)
      </>
    ) : (
      "the last 30 days (UTC)"
    );
  const series = usage.creditsPerDay.map((s, i) => ({
    label: s.name,
    values: s.values,
    colorClass: COLORS[i % COLORS.length],
  }));
  const none = who === "you" ? "You have not used any features" : "No feature usage";
  return (
    <Card title="Usage by feature">
      <div className="space-y-5" data-testid="feature-usage">
        <p className="text-sm text-slate-700">Units used and credits charged per feature over {period}.</p>
        <DataTable
          caption="Usage by feature for the period"
          rows={usage.features}
          rowKey={(f) => f.feature}
          testId="feature-usage-table"
          empty={<>{none} in this period.</>}
          columns={[
            { header: "Feature", cell: (f) => f.name },
            { header: "Used", align: "right", cell: (f) => unitsText(f.quantity, f.unitName) },
            { header: "Of them included", align: "right", cell: (f) => formatCredits(f.includedUnits) },
            { header: "Credits", align: "right", cell: (f) => formatCredits(f.credits) },
          ]}
        />
        {series.length ? (
          <div data-testid="feature-usage-chart">
            <LineChart
              title="Credits charged each day, by feature"
              days={usage.days}
              series={series}
              format={formatCredits}
            />
            <SeriesTable
              caption="Credits charged per day and feature"
              days={usage.days}
              series={series}
              format={formatCredits}
              totals={series.map((s) => s.values.reduce((a, b) => a + b, 0))}
            />
          </div>
        ) : null}
        {usage.included.length ? (
          <div>
            <h3 className="text-sm font-semibold text-slate-900">Included units left this period</h3>
            <DataTable
              caption="Included units left this billing period"
              rows={usage.included}
              rowKey={(f) => f.feature}
              testId="included-units"
              empty=""
              columns={[
                { header: "Feature", cell: (f) => f.name },
                { header: "Left", align: "right", cell: (f) => unitsText(f.remaining, f.unitName) },
                { header: "Of", align: "right", cell: (f) => formatCredits(f.includedUnits) },
                { header: "Resets", cell: (f) => <Time value={f.periodEnd} format="date" /> },
              ]}
            />
          </div>
        ) : null}
      </div>
    </Card>
  );
}
