import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { listRecentAudit, recordAudit, userActor } from "~/auth/audit.server";
import { formFailureFrom, formValues, parseForm } from "~/auth/forms.server";
import { requireAdmin } from "~/auth/session.server";
import {
  countUsersByRole,
  getUserByEmail,
  isValidEmail,
  normalizeEmail,
  totalCreditsOutstanding,
} from "~/auth/users.server";
import { grantCredits } from "~/credits/index.server";
import { Card, PageHeader } from "~/components/AppShell";
import { Alert, Field, SubmitButton, firstErrorField, useFocusFirstError } from "~/components/forms";
import { formatCredits, formatDate, formatDateTime } from "~/components/format";
import { adminNav } from "~/components/nav";
import { AppError, httpStatusFor, isAppError } from "~/utils/errors";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const db = context.db;
  const people = countUsersByRole(db);
  return {
    counts: { ...people, creditsOutstanding: totalCreditsOutstanding(db) },
    audit: listRecentAudit(db, 15).map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
    // A fresh key per render of the form: a resubmission of the same form replays, never grants twice.
    grantKey: crypto.randomUUID(),
  };
}

const GRANT_FIELDS = ["email", "amount", "reason", "expiresOn", "key"];

const grantSchema = z.object({
  email: z
    .string()
    .trim()
    .min(1, "Enter the customer's email address.")
    .transform(normalizeEmail)
    .refine(isValidEmail, "Enter a valid email address."),
  amount: z
    .string()
    .trim()
    .regex(/^\d+$/, "Enter a whole number of credits.")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1_000_000, "Grant between 1 and 1,000,000 credits."),
  reason: z.string().trim().min(1, "Say why (customers see this).").max(200, "Use at most 200 characters."),
  expiresOn: z
    .string()
    .trim()
    .refine((s) => s === "" || (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))), {
      message: "Use a date like 2026-12-31.",
    }),
  key: z.string().regex(/^[A-Za-z0-9-]{8,100}$/, "The form expired; reload the page and try again."),
});

/** Grants promotional credits to a customer, with its audit row, in one transaction. */
export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await request.formData();
  const values = formValues(form, ["email", "amount", "reason", "expiresOn"]);
  const fail = (e: AppError) => data({ ok: false as const, ...formFailureFrom(e), values }, { status: httpStatusFor(e.code) });

  const parsed = parseForm(grantSchema, form, GRANT_FIELDS);
  if (!parsed.ok) {
    return fail(new AppError("invalid_request", "Check the highlighted fields.", { extra: { fieldErrors: parsed.fieldErrors } }));
  }
  const input = parsed.data;
  const { db, clock } = context;
  const target = getUserByEmail(db, input.email);
  if (!target) return fail(new AppError("not_found", "No account has this email address.", { field: "email" }));
  // Spendable through the chosen day (UTC): the grant expires when the next day starts.
  const expiresAt = input.expiresOn ? new Date(Date.parse(`${input.expiresOn}T00:00:00Z`) + 86_400_000) : null;
  if (expiresAt && expiresAt <= clock.now()) {
    return fail(new AppError("invalid_request", "Choose a day that has not ended yet.", { field: "expiresOn" }));
  }

  try {
    const result = db.transaction(
      () => {
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
          recordAudit(db, clock, {
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
      },
      { behavior: "immediate" },
    );
    return data({
      ok: true as const,
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
  const { counts, audit, grantKey } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failed = result && !result.ok ? result : undefined;
  const errors = failed?.fieldErrors;
  const first = firstErrorField(GRANT_FIELDS, errors);
  const formRef = useFocusFirstError<HTMLFormElement>(failed);
  const succeeded = result?.ok ? result : undefined;
  const lastSuccess = useRef<number | null>(null);
  useEffect(() => {
    // Clear the form after a grant so the next one starts empty (the key is already a new one).
    if (succeeded && lastSuccess.current !== succeeded.grantId) {
      lastSuccess.current = succeeded.grantId;
      formRef.current?.reset();
    }
  }, [succeeded, formRef]);

  return (
    <div className="space-y-6">
      <PageHeader title="Overview" />
      <dl className="grid gap-4 sm:grid-cols-3">
        <Stat label="Users" value={formatCredits(counts.total)} note={`${plural(counts.customers, "customer")}, ${plural(counts.admins, "admin")}`} />
        <Stat label="Credits outstanding" value={formatCredits(counts.creditsOutstanding)} note="Across all customers" />
        <div className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
          <dt className="text-sm text-slate-600">More</dt>
          <dd className="mt-2 flex flex-col gap-1 text-sm">
            {adminNav
              .filter((item) => item.to !== "/admin")
              .map((item) => (
                <Link key={item.to} to={item.to} className="text-indigo-700 underline">
                  {item.label}
                </Link>
              ))}
          </dd>
        </div>
      </dl>

      <Card title="Grant promotional credits">
        <Form method="post" ref={formRef} noValidate className="grid gap-4 sm:grid-cols-2">
          <div className="sm:col-span-2">
            {failed?.formError ? <Alert>{failed.formError}</Alert> : null}
            {succeeded ? <Alert tone="success">{succeeded.message}</Alert> : null}
          </div>
          <input type="hidden" name="key" value={grantKey} />
          <Field
            label="Customer email"
            name="email"
            type="email"
            required
            autoComplete="off"
            defaultValue={failed?.values.email}
            error={errors?.email}
            autoFocus={first === "email"}
          />
          <Field
            label="Credits"
            name="amount"
            inputMode="numeric"
            pattern="[0-9]*"
            required
            defaultValue={failed?.values.amount}
            error={errors?.amount}
            autoFocus={first === "amount"}
          />
          <Field
            label="Reason"
            name="reason"
            required
            maxLength={200}
            hint="Shown to the customer next to the credits."
            defaultValue={failed?.values.reason}
            error={errors?.reason}
            autoFocus={first === "reason"}
          />
          <Field
            label="Expires after"
            name="expiresOn"
            type="date"
            hint="Usable through this day (UTC). Leave empty for credits that never expire."
            defaultValue={failed?.values.expiresOn}
            error={errors?.expiresOn ?? errors?.key}
            autoFocus={first === "expiresOn"}
          />
          <div className="sm:col-span-2">
            <SubmitButton pendingText="Granting…">Grant credits</SubmitButton>
          </div>
        </Form>
      </Card>

      <Card title="Recent activity">
        {audit.length === 0 ? (
          <p className="text-sm text-slate-600">Nothing recorded yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-slate-200 text-slate-600">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">When</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Who</th>
                  <th scope="col" className="py-2 pr-4 font-medium">What</th>
                  <th scope="col" className="py-2 font-medium">Subject</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {audit.map((a) => (
                  <tr key={a.id}>
                    <td className="whitespace-nowrap py-2 pr-4">
                      <time dateTime={a.createdAt} title={formatDateTime(a.createdAt)}>
                        {formatDate(a.createdAt)}
                      </time>
                    </td>
                    <td className="py-2 pr-4 font-mono text-xs">{a.actor}</td>
                    <td className="py-2 pr-4">{a.action}</td>
                    <td className="py-2 font-mono text-xs">{a.subject ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function Stat({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="mt-1 text-3xl font-bold tabular-nums">{value}</dd>
      {note ? <dd className="mt-1 text-sm text-slate-500">{note}</dd> : null}
    </div>
  );
}

function plural(n: number, noun: string): string {
  return `${formatCredits(n)} ${noun}${n === 1 ? "" : "s"}`;
}
