import type { PaymentView, SubscriptionHistoryEntry } from "~/billing/history.server";
import { Card } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { formatMoney } from "~/components/format";
import { Badge, Time } from "~/components/ui";

const PAYMENT_STATUS: Record<string, { label: string; tone: "green" | "red" | "amber" | "slate" }> = {
  paid: { label: "Paid", tone: "green" },
  failed: { label: "Failed", tone: "red" },
  partially_refunded: { label: "Partly refunded", tone: "amber" },
  refunded: { label: "Refunded", tone: "slate" },
};

const HISTORY_TEXT: Record<string, (e: SubscriptionHistoryEntry) => string> = {
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

/** Every payment: subscription invoices and top-ups, with links to Stripe's documents. */
export function PaymentsCard({ payments }: { payments: PaymentView[] }) {
  return (
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
  );
}

/** Every change to the subscription, newest first. */
export function HistoryCard({ history }: { history: SubscriptionHistoryEntry[] }) {
  return (
    <Card title="Subscription history">
      <div data-testid="subscription-history">
        <DataTable
          caption="Every change to your subscription, newest first"
          rows={history}
          rowKey={(e) => e.id}
          empty="No subscription yet."
          columns={[
            { header: "When", cell: (e) => <Time value={e.occurredAt} /> },
            { header: "What happened", cell: (e) => HISTORY_TEXT[e.kind]?.(e) ?? e.kind },
          ]}
        />
      </div>
    </Card>
  );
}
