import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import type { RefundablePayment } from "~/billing/admin-refund.server";
import type { PaymentView } from "~/pages/customers.server";
import { Card } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { formatCredits, formatDate, formatMoney } from "~/components/format";
import { Field, FormErrors, SelectField, SubmitButton, useSchemaForm } from "~/components/forms";
import { Time } from "~/components/ui";
import { refundSchema } from "./forms";

/** Top-ups and invoices, and the refund form (reviewed, then confirmed; Stripe does the refund). */
export function PaymentsCard({
  payments,
  refundable,
  lastResult,
}: {
  payments: PaymentView[];
  refundable: RefundablePayment[];
  lastResult?: SubmissionResult<string[]>;
}) {
  const [form, fields] = useSchemaForm(refundSchema, { id: "refund", lastResult });
  return (
    <Card title="Payments">
      <DataTable
        caption="Top-ups and subscription invoices, newest first"
        testId="payments"
        rows={payments}
        rowKey={(p) => `${p.kind}-${p.stripeId}`}
        empty="No payments yet."
        columns={[
          { header: "When", cell: (p) => <Time value={p.createdAt} /> },
          { header: "What", cell: (p) => p.description },
          { header: "Credits", align: "right", cell: (p) => formatCredits(p.credits) },
          {
            header: "Paid",
            align: "right",
            cell: (p) => (p.amountCents === null ? "—" : formatMoney(p.amountCents, p.currency ?? "usd")),
          },
          {
            header: "Refunded",
            align: "right",
            cell: (p) => (p.amountRefundedCents ? formatMoney(p.amountRefundedCents, p.currency ?? "usd") : "—"),
          },
          { header: "Status", cell: (p) => p.status },
          { header: "Stripe", cell: (p) => <code className="break-all text-xs">{p.stripeId}</code> },
        ]}
      />
      <h3 className="mt-6 text-base font-semibold text-slate-900">Refund a payment</h3>
      {refundable.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">No payment has money left to refund.</p>
      ) : (
        <Form method="post" {...getFormProps(form)} className="mt-2 space-y-4" data-testid="refund-form">
          <FormErrors id={form.errorId} errors={form.errors} />
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              field={fields.payment}
              label="Payment"
              options={refundable.map((p) => ({
                value: p.ref,
                label: `${p.description}, ${formatDate(p.createdAt)}: ${formatMoney(p.paidCents - p.refundedCents, p.currency)} left`,
              }))}
            />
            <Field
              field={fields.amount}
              label="Amount"
              inputMode="decimal"
              optional
              hint="Like 4.50. Empty: all that is left of the payment."
            />
          </div>
          <p className="text-sm text-slate-600">
            Stripe returns the money to the card; its refund event then takes back the credits a top-up paid for.
          </p>
          <SubmitButton name="intent" value="confirm-refund" variant="secondary" pendingText="Checking…">
            Review refund
          </SubmitButton>
        </Form>
      )}
    </Card>
  );
}
