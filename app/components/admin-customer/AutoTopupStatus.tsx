import type { AutoTopupView } from "~/billing/auto-topup-input";
import { Card } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { formatCredits, formatMoney, nameWithCredits } from "~/components/format";
import { Alert } from "~/components/forms";
import { Badge, Time, type Tone } from "~/components/ui";

const STATUS: Record<string, { label: string; tone: Tone }> = {
  pending: { label: "Charging", tone: "sky" },
  processing: { label: "Charging", tone: "sky" },
  succeeded: { label: "Paid", tone: "green" },
  failed: { label: "Failed", tone: "red" },
};

/** The customer's auto top-up as they set it, and its recent attempts (read-only for admins). */
export function AutoTopupStatus({ setting, packName }: { setting: AutoTopupView; packName: string | null }) {
  return (
    <Card title="Auto top-up">
      <div className="space-y-3" data-testid="admin-auto-topup">
        {setting.notice ? <Alert tone="error">{setting.notice}</Alert> : null}
        <p className="text-sm text-slate-800">
          {setting.enabled ? (
            <>
              <Badge tone="green">On</Badge> Buys {packName ?? "a pack"} when the balance is below{" "}
              {formatCredits(setting.threshold ?? 0)} credits; {setting.usedThisMonth} of {setting.monthlyCapPacks}{" "}
              packs used this month.
            </>
          ) : (
            <>
              <Badge tone="slate">Off</Badge> The customer has not turned auto top-up on.
            </>
          )}
        </p>
        <DataTable
          caption="Recent automatic purchases, newest first"
          rows={setting.attempts}
          rowKey={(a) => a.id}
          empty="No automatic purchases yet."
          columns={[
            { header: "When", cell: (a) => <Time value={a.createdAt} /> },
            { header: "Pack", cell: (a) => nameWithCredits(a.packName, a.credits) },
            {
              header: "Amount",
              align: "right",
              cell: (a) =>
                `${formatMoney(a.amountCents, a.currency)}${a.amountRefundedCents > 0 ? ` (${formatMoney(a.amountRefundedCents, a.currency)} refunded)` : ""}`,
            },
            { header: "Status", cell: (a) => <Badge tone={STATUS[a.status].tone}>{STATUS[a.status].label}</Badge> },
            { header: "Why it failed", cell: (a) => a.failureMessage ?? "—" },
          ]}
        />
      </div>
    </Card>
  );
}
