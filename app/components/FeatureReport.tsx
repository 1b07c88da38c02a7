import type { FeatureUsageReport } from "~/features/index.server";
import { Card } from "./AppShell";
import { DataTable } from "./DataTable";
import { formatCredits } from "./format";
import { buttonStyles } from "./forms";

/** The reports page's credits and units by feature across customers, with its CSV. */
export function FeatureReport({ rows, days }: { rows: FeatureUsageReport[]; days: number }) {
  return (
    <Card title="Usage by feature">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-700">Units used and credits charged per feature, last {days} days.</p>
        <a href={`/admin/reports/features.csv?days=${days}`} className={buttonStyles.secondary} download>
          Download usage CSV
        </a>
      </div>
      <DataTable
        caption={`Usage by feature, last ${days} days`}
        testId="report-features"
        rows={rows}
        rowKey={(r) => r.feature}
        empty="No feature usage in this period."
        columns={[
          { header: "Feature", cell: (r) => `${r.name} (${r.feature})` },
          { header: "Units used", align: "right", cell: (r) => formatCredits(r.quantity) },
          { header: "Of them included", align: "right", cell: (r) => formatCredits(r.includedUnits) },
          { header: "Credits", align: "right", cell: (r) => formatCredits(r.credits) },
          { header: "Events", align: "right", cell: (r) => formatCredits(r.events) },
          { header: "Customers", align: "right", cell: (r) => formatCredits(r.customers) },
        ]}
      />
    </Card>
  );
}
