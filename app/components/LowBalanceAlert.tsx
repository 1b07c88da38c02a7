import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { z } from "zod";
import { Card } from "~/components/AppShell";
import { formatCredits } from "~/components/format";
import { Field, FormErrors, SubmitButton, useSchemaForm } from "~/components/forms";

/** The largest level a customer may choose (the domain's own limit is far above any real balance). */
const MAX_ALERT_LEVEL = 1_000_000_000;
const LEVEL = `Enter a whole number of credits from 0 to ${MAX_ALERT_LEVEL.toLocaleString("en-US")}, or leave it empty.`;

/** The account page's low-balance form: empty = the default level, 0 = no alert. */
export const lowBalanceSchema = z.object({
  intent: z.literal("low-balance"),
  threshold: z.number({ invalid_type_error: LEVEL }).int(LEVEL).min(0, LEVEL).max(MAX_ALERT_LEVEL, LEVEL).optional(),
});

export interface LowBalanceView {
  /** The customer's own level; null = the default. */
  own: number | null;
  defaultLevel: number;
}

/** The customer's low-balance alert level: below it the app warns them and sends the `balance.low` event. */
export function LowBalanceCard({
  alert,
  lastResult,
}: {
  alert: LowBalanceView;
  lastResult?: SubmissionResult<string[]>;
}) {
  const [form, fields] = useSchemaForm(lowBalanceSchema, {
    id: "low-balance",
    lastResult,
    defaultValue: { threshold: alert.own === null ? "" : String(alert.own) },
  });
  const level = alert.own ?? alert.defaultLevel;
  return (
    <Card title="Low-balance alert">
      <Form method="post" {...getFormProps(form)} className="space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <p className="text-sm text-slate-700" data-testid="low-balance-level">
          {level === 0
            ? "Off: you get no low-balance alerts."
            : `You are alerted when your balance falls below ${formatCredits(level)} credits${alert.own === null ? " (the default)" : ""}.`}
        </p>
        <Field
          field={fields.threshold}
          label="Alert me below (credits)"
          inputMode="numeric"
          optional
          hint={`0 turns the alert off; empty uses the default (${formatCredits(alert.defaultLevel)}).`}
        />
        <SubmitButton name="intent" value="low-balance" variant="secondary" pendingText="Saving…">
          Save alert level
        </SubmitButton>
      </Form>
    </Card>
  );
}
