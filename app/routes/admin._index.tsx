import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { recordAudit, userActor } from "~/auth/audit.server";
import { listAudit } from "~/auth/audit-query.server";
import { requireAdmin } from "~/auth/session.server";
import { isValidEmail, normalizeEmail } from "~/auth/fields";
import { countUsersByRole, getUserByEmail, totalCreditsOutstanding } from "~/auth/users.server";
import { backupHealth } from "~/backup/schedule.server";
import { countStripeEventsNeedingAttention } from "~/billing/webhook.server";
import { grantCredits } from "~/credits/index.server";
import { Card, PageHeader } from "~/components/AppShell";
import { auditColumns } from "~/components/AuditColumns";
import { DataTable } from "~/components/DataTable";
import { Alert, Field, FieldError, FormErrors, SubmitButton, useSchemaForm } from "~/components/forms";
import { formatCredits, plural } from "~/components/format";
import { Stat, TextLink } from "~/components/ui";
import { AppError, isAppError } from "~/utils/errors";
import { formErrorResponse } from "~/utils/forms.server";
import { writeTransaction } from "../../db/transaction";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const db = context.db;
  const people = countUsersByRole(db);
  return {
    counts: { ...people, creditsOutstanding: totalCreditsOutstanding(db) },
    eventsNeedingAttention: countStripeEventsNeedingAttention(db),
    backup: backupHealth(context.env),
    audit: listAudit(db, { limit: 15 }).rows,
    // A fresh key per render of the form: a resubmission of the same form replays, never grants twice.
    grantKey: crypto.randomUUID(),
  };
}

const GRANT_FIELDS = ["email", "amount", "reason", "expiresOn"];

const AMOUNT = "Enter a whole number of credits.";
// Conform reads an empty input as "not given", hence the required_error on each field.
const grantSchema = z.object({
  email: z
    .string({ required_error: "Enter the customer's email address." })
    .trim()
    .transform(normalizeEmail)
    .refine(isValidEmail, "Enter a valid email address."),
  amount: z
    .number({ required_error: AMOUNT, invalid_type_error: AMOUNT })
    .int(AMOUNT)
    .min(1, "Grant between 1 and 1,000,000 credits.")
    .max(1_000_000, "Grant between 1 and 1,000,000 credits."),
  reason: z
    .string({ required_error: "Say why (customers see this)." })
    .trim()
    .min(1, "Say why (customers see this).")
    .max(200, "Use at most 200 characters."),
  expiresOn: z
    .string()
    .trim()
    .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), {
      message: "Use a date like 2026-12-31.",
    })
    .optional(),
  key: z
    .string({ required_error: "The form expired; reload the page and try again." })
    .regex(/^[A-Za-z0-9-]{8,100}$/, "The form expired; reload the page and try again."),
});

/** Grants promotional credits to a customer, with its audit row, in one transaction. */
export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const submission = parseWithZod(await request.formData(), { schema: grantSchema });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const fail = (e: AppError) => formErrorResponse(submission, e, { fields: GRANT_FIELDS });
  const input = submission.value;
  const { db, clock } = context;
  const target = getUserByEmail(db, input.email);
  if (!target) return fail(new AppError("not_found", "No account has this email address.", { field: "email" }));
  // Spendable through the chosen day (UTC): the grant expires when the next day starts.
  const expiresAt = input.expiresOn ? new Date(Date.parse(`${input.expiresOn}T00:00:00Z`) + 86_400_000) : null;
  if (expiresAt && expiresAt <= clock.now()) {
    return fail(new AppError("invalid_request", "Choose a day that has not ended yet.", { field: "expiresOn" }));
  }

  try {
    const result = writeTransaction(db, () => {
      const granted = grantCredits(context, {
        userId: target.id,
        type: "promotional",
        amount: input.amount,
        expiresAt,
        reason: input.reason,
        source: "admin",
        actor: userActor(admin.id),
        idempotencyKey: `admin-grant:${input.key}`,
      });
      if (!granted.replayed) {
        recordAudit(context, {
          actor: userActor(admin.id),
          action: "credits.grant",
          subject: userActor(target.id),
          details: {
            grantId: granted.grant.id,
            type: "promotional",
            amount: input.amount,
            reason: input.reason,
            expiresAt: expiresAt?.toISOString() ?? null,
          },
        });
      }
      return granted;
    });
    return data({
      ok: true as const,
      // The next grant starts from an empty form (and the loader's fresh key).
      result: submission.reply({ resetForm: true }),
      message: `Granted ${formatCredits(input.amount)} credits to ${target.email}. Their balance is now ${formatCredits(result.balance)}.`,
      grantId: result.grant.id,
      replayed: result.replayed,
    });
  } catch (e) {
    if (isAppError(e)) return fail(e);
    throw e;
  }
}

export default function AdminHome() {
  const { counts, eventsNeedingAttention, audit, grantKey, backup } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const succeeded = result && "message" in result ? (result as { message: string }) : undefined;
  const [form, fields] = useSchemaForm(grantSchema, {
    id: "grant",
    lastResult: result?.result,
  });

  return (
    <div className="space-y-6">
      <PageHeader title="Overview" />
      <dl className="grid gap-4 sm:grid-cols-3">
        <Stat label="Users" value={formatCredits(counts.total)}>
          {plural(counts.customers, "customer")}, {plural(counts.admins, "admin")}
        </Stat>
        <Stat label="Credits outstanding" value={formatCredits(counts.creditsOutstanding)}>
          Across all customers
        </Stat>
        <Stat label="Stripe events needing attention" value={formatCredits(eventsNeedingAttention)}>
          {eventsNeedingAttention > 0 ? (
            <TextLink to="/admin/events">Review held and failed events</TextLink>
          ) : (
            "All webhooks processed"
          )}
        </Stat>
        <Stat
          label="Last backup check"
          value={!backup.configured ? "No replica" : !backup.last ? "Not run yet" : backup.last.ok ? "OK" : "Failed"}
        >
          {backup.last ? backup.last.verdict : "npm run credits -- backup verify"}
        </Stat>
      </dl>

      <Card title="Grant promotional credits">
        <Form method="post" {...getFormProps(form)} className="grid gap-4 sm:grid-cols-2">
          {form.errors?.length || succeeded ? (
            <div className="sm:col-span-2">
              <FormErrors id={form.errorId} errors={form.errors} />
              {succeeded ? <Alert tone="success">{succeeded.message}</Alert> : null}
            </div>
          ) : null}
          <input type="hidden" name="key" value={grantKey} />
          <Field field={fields.email} label="Customer email" type="email" autoComplete="off" />
          <Field field={fields.amount} label="Credits" inputMode="numeric" />
          <Field field={fields.reason} label="Reason" hint="Shown to the customer next to the credits." />
          <Field
            field={fields.expiresOn}
            label="Expires after"
            type="date"
            optional
            hint="Usable through this day (UTC). Leave empty for credits that never expire."
          />
          <div className="sm:col-span-2">
            <FieldError id={fields.key.errorId} errors={fields.key.errors} />
            <SubmitButton pendingText="Granting…">Grant credits</SubmitButton>
          </div>
        </Form>
      </Card>

      <Card title="Recent activity">
        <DataTable
          caption="The latest audited changes, newest first"
          rows={audit}
          rowKey={(a) => a.id}
          empty="Nothing recorded yet."
          columns={auditColumns({ subject: "text" })}
        />
      </Card>
    </div>
  );
}
