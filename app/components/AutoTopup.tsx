import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { autoTopupFormSchema, type AutoTopupSection } from "~/pages/auto-topup-form";
import { Card } from "~/components/AppShell";
import { formatMoney, nameWithCredits } from "~/components/format";
import { Alert, CheckboxField, Field, FormErrors, SelectField, SubmitButton, useSchemaForm } from "~/components/forms";
import { Badge, Time, type Tone } from "~/components/ui";

const STATUS: Record<string, { label: string; tone: Tone }> = {
  pending: { label: "Charging", tone: "sky" },
  processing: { label: "Charging", tone: "sky" },
  succeeded: { label: "Paid", tone: "green" },
  failed: { label: "Failed", tone: "red" },
};

/**
 * The billing page's auto top-up section: the setting (on/off, pack, threshold, monthly cap), the
 * notice when it turned itself off, and every automatic purchase attempt.
 */
export function AutoTopupCard({
  section,
  lastResult,
}: {
  section: AutoTopupSection;
  lastResult?: SubmissionResult<string[]>;
}) {
  const { setting, packs } = section;
  const [form, fields] = useSchemaForm(autoTopupFormSchema, {
    id: "auto-topup",
    lastResult,
    defaultValue: {
      enabled: setting.enabled ? "on" : undefined,
      topupPlanId: String(setting.topupPlanId ?? packs[0]?.id ?? ""),
      threshold: String(setting.threshold ?? 100),
      monthlyCapPacks: String(setting.monthlyCapPacks ?? 2),
    },
  });
  return (
    <Card title="Auto top-up">
      <div className="space-y-4" data-testid="auto-topup">
        {setting.notice ? (
          <div data-testid="auto-topup-notice">
            <Alert tone="error">{setting.notice}</Alert>
          </div>
        ) : null}
        <p className="text-sm text-slate-700">
          When your balance falls below the threshold, one pack is bought with the card you last paid with — at most the
          monthly cap, never two at once. A declined card turns it off; nothing is retried.
          {setting.enabled ? (
            <>
              {" "}
              <strong data-testid="auto-topup-used">
                This month: {setting.usedThisMonth} of {setting.monthlyCapPacks} packs.
              </strong>
            </>
          ) : null}
        </p>
        {packs.length === 0 ? (
          <p className="text-sm text-slate-600">No packs are on sale right now.</p>
        ) : (
          <Form method="post" {...getFormProps(form)} className="space-y-4">
            <FormErrors id={form.errorId} errors={form.errors} />
            <CheckboxField field={fields.enabled}>Buy a pack automatically when my balance runs low</CheckboxField>
            {/* The pack's name and price get the room they need; the two numbers share the rest. */}
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1fr)]">
              <SelectField
                field={fields.topupPlanId}
                label="Pack"
                className="sm:col-span-2 lg:col-span-1"
                options={packs.map((p) => ({
                  value: String(p.id),
                  label: `${nameWithCredits(p.publicName, p.credits)}, ${formatMoney(p.priceCents, p.currency)}`,
                }))}
              />
              <Field field={fields.threshold} label="When the balance is below (credits)" inputMode="numeric" />
              <Field field={fields.monthlyCapPacks} label="At most (packs a month)" inputMode="numeric" />
            </div>
            <SubmitButton name="intent" value="auto-topup" variant="secondary" pendingText="Saving…">
              Save auto top-up
            </SubmitButton>
          </Form>
        )}
        {setting.attempts.length > 0 ? (
          <div>
            <h3 className="text-sm font-semibold text-slate-900">Automatic purchases</h3>
            <ul className="divide-y divide-slate-100 text-sm" data-testid="auto-topup-attempts">
              {setting.attempts.map((a) => (
                <li key={a.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 py-2">
                  <span className="text-slate-900">
                    {nameWithCredits(a.packName, a.credits)}, {formatMoney(a.amountCents, a.currency)}
                    {a.amountRefundedCents > 0 ? ` (${formatMoney(a.amountRefundedCents, a.currency)} refunded)` : ""}
                    {a.failureMessage ? <span className="text-red-800"> · {a.failureMessage}</span> : null}
                  </span>
                  <span className="flex items-center gap-2 text-slate-600">
                    <Badge tone={STATUS[a.status].tone}>{STATUS[a.status].label}</Badge>
                    <Time value={a.createdAt} />
                  </span>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
    </Card>
  );
}
