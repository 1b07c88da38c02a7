import { Form, Link, useLocation } from "@remix-run/react";
import type { AdminLedgerEntry } from "~/credits/customer-view.server";
import { Card } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { ENTRY_LABELS, formatCredits, formatSignedCredits } from "~/components/format";
import { buttonStyles } from "~/components/forms";
import { Time, linkClass } from "~/components/ui";
import { LEDGER_ENTRY_TYPES } from "../../../db/schema";
import { pageLink } from "./pageLink";

/** The customer's ledger, filtered by type, with its CSV download. */
export function LedgerCard({
  customerId,
  type,
  ledger,
}: {
  customerId: number;
  type: string | null;
  ledger: { rows: (AdminLedgerEntry & { actorName: string | null })[]; nextBefore: number | null };
}) {
  const location = useLocation();
  return (
    <Card title="Ledger">
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <Form method="get" className="flex flex-wrap items-end gap-2">
          <label className="text-sm font-medium text-slate-800">
            Type
            <select
              name="type"
              defaultValue={type ?? ""}
              className="ml-2 rounded-md border border-slate-300 px-2 py-1.5"
            >
              <option value="">All</option>
              {LEDGER_ENTRY_TYPES.map((t) => (
                <option key={t} value={t}>
                  {ENTRY_LABELS[t] ?? t}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className={buttonStyles.secondary}>
            Filter
          </button>
        </Form>
        <a
          href={`/admin/customers/${customerId}/ledger.csv${type ? `?type=${type}` : ""}`}
          className={buttonStyles.secondary}
          download
        >
          Download CSV
        </a>
      </div>
      <DataTable
        caption="Ledger entries, newest first"
        testId="ledger"
        rows={ledger.rows}
        rowKey={(e) => e.id}
        empty={type ? `No ${(ENTRY_LABELS[type] ?? type).toLowerCase()} entries.` : "No entries yet."}
        columns={[
          { header: "When", cell: (e) => <Time value={e.createdAt} /> },
          { header: "Type", cell: (e) => ENTRY_LABELS[e.type] ?? e.type },
          { header: "Amount", align: "right", cell: (e) => formatSignedCredits(e.amount) },
          { header: "Balance after", align: "right", cell: (e) => formatCredits(e.balanceAfter) },
          { header: "Reason", cell: (e) => e.reason ?? "—" },
          {
            header: "From grants",
            cell: (e) =>
              e.allocations.length
                ? e.allocations.map((a) => `#${a.grantId}: ${formatCredits(a.amount)}`).join(", ")
                : e.grantId
                  ? `#${e.grantId}`
                  : "—",
          },
          { header: "By", cell: (e) => <span className="break-all">{e.actorName ?? "—"}</span> },
        ]}
      />
      {ledger.nextBefore ? (
        <p className="mt-3 text-sm">
          <Link to={pageLink(location.search, { before: String(ledger.nextBefore) })} className={linkClass}>
            Older entries
          </Link>
        </p>
      ) : null}
    </Card>
  );
}
