import { getFormProps, getSelectProps, getTextareaProps, useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { z } from "zod";
import { recordAudit, userActor } from "~/auth/audit.server";
import { requireAdmin } from "~/auth/session.server";
import { findUserId } from "~/auth/users.server";
import {
  importLegacyBalances,
  parseExpiresInDays,
  parseLegacyBalances,
  type ImportSummary,
} from "~/credits/balance-import.server";
import { importPlansFromStripe, type PlansImportReport } from "~/billing/plans-import.server";
import { Card, PageHeader } from "~/components/AppShell";
import { Field, FieldError, FormErrors, SubmitButton, useSchemaForm } from "~/components/forms";
import { DataTable } from "~/components/DataTable";
import { formatCredits, formatDateTime, pageTitle } from "~/components/format";
import { isAppError } from "~/utils/errors";
import { writeTransaction } from "../../db/transaction";

export const meta: MetaFunction = () => [{ title: pageTitle("Import") }];

/** Pasted text, so the page needs no multipart upload and stays within the 1 MiB body limit. */
const MAX_IMPORT_CHARS = 500_000;

export const balancesSchema = z.object({
  intent: z.enum(["preview-balances", "import-balances"]),
  content: z
    .string({ required_error: "Paste the CSV or JSON of the old balances." })
    .max(MAX_IMPORT_CHARS, "That is too much for this page (500,000 characters at most); use the CLI for large files."),
  format: z.enum(["csv", "json"], { errorMap: () => ({ message: "Choose CSV or JSON." }) }),
  expiresInDays: z
    .string()
    .trim()
    .regex(/^(never|[1-9]\d{0,4})$/i, "Enter a number of days, like 30, or the word never.")
    .optional(),
});

export const plansSchema = z.object({ intent: z.enum(["preview-plans", "import-plans"]) });

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

type Result =
  | {
      form: "balances";
      result: SubmissionResult<string[]>;
      summary?: ImportSummary;
      confirm?: { content: string; format: string; expiresInDays: string };
    }
  | { form: "plans"; result: SubmissionResult<string[]>; report?: PlansImportReport };

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");

  if (intent.endsWith("-balances")) {
    const submission = parseWithZod(form, { schema: balancesSchema });
    if (submission.status !== "success")
      return data<Result>({ form: "balances", result: submission.reply() }, { status: 400 });
    const v = submission.value;
    const dryRun = v.intent === "preview-balances";
    try {
      const rows = parseLegacyBalances(v.content, v.format);
      const summary = importLegacyBalances(context, rows, {
        findUserId: (ref) => findUserId(context.db, ref),
        expiresInDays: parseExpiresInDays(v.expiresInDays),
        dryRun,
        actor: userActor(admin.id),
      });
      if (!dryRun && summary.imported > 0) {
        writeTransaction(context.db, () =>
          recordAudit(context, {
            actor: userActor(admin.id),
            action: "balances.import",
            details: { ...summary },
          }),
        );
      }
      return data<Result>({
        form: "balances",
        result: submission.reply({ resetForm: !dryRun }),
        summary,
        confirm:
          dryRun && summary.imported > 0
            ? { content: v.content, format: v.format, expiresInDays: v.expiresInDays ?? "30" }
            : undefined,
      });
    } catch (e) {
      if (!isAppError(e)) throw e;
      const field = e.field === "expiresInDays" ? "expiresInDays" : "content";
      return data<Result>(
        { form: "balances", result: submission.reply({ fieldErrors: { [field]: [e.message] } }) },
        { status: 400 },
      );
    }
  }

  if (intent.endsWith("-plans")) {
    const submission = parseWithZod(form, { schema: plansSchema });
    if (submission.status !== "success")
      return data<Result>({ form: "plans", result: submission.reply() }, { status: 400 });
    try {
      const report = await importPlansFromStripe(context.billing, context.billing.stripe, {
        dryRun: submission.value.intent === "preview-plans",
        actor: userActor(admin.id),
      });
      return data<Result>({ form: "plans", result: submission.reply(), report });
    } catch (e) {
      if (!isAppError(e)) throw e;
      return data<Result>({ form: "plans", result: submission.reply({ formErrors: [e.message] }) }, { status: 502 });
    }
  }
  return data({ form: "none" as const }, { status: 400 });
}

export default function ImportPage() {
  const actionData = useActionData<typeof action>() as Result | { form: "none" } | undefined;
  const balances = actionData?.form === "balances" ? actionData : undefined;
  const plans = actionData?.form === "plans" ? actionData : undefined;
  const [bForm, bFields] = useSchemaForm(balancesSchema, {
    id: "balances",
    lastResult: balances?.result,
    defaultValue: { format: "csv", expiresInDays: "30" },
  });
  const [pForm] = useForm({ id: "plans", lastResult: plans?.result });
  const summary = balances?.summary;
  const report = plans?.report;

  return (
    <div className="space-y-6">
      <PageHeader title="Import">
        Bring balances and plans over from a previous system. The CLI does the same for large files:{" "}
        <code className="text-sm">balances import</code> and <code className="text-sm">plans import-from-stripe</code>.
      </PageHeader>

      <Card title="Old balances → grants">
        <p className="mb-4 text-sm text-slate-700">
          Each balance becomes one top-up grant. CSV needs a header with <code>balance</code> and <code>email</code> or{" "}
          <code>userId</code>; JSON is an array of <code>{"{email | userId, balance}"}</code>. Importing the same
          customer twice adds nothing. Check first, then confirm.
        </p>
        <Form method="post" {...getFormProps(bForm)} className="space-y-4">
          <FormErrors id={bForm.errorId} errors={bForm.errors} />
          <div>
            <label htmlFor={bFields.content.id} className="block text-sm font-medium text-slate-800">
              Balances (CSV or JSON)
            </label>
            <textarea
              {...getTextareaProps(bFields.content)}
              key={bFields.content.key}
              rows={8}
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm"
            />
            <FieldError id={bFields.content.errorId} errors={bFields.content.errors} />
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <div>
              <label htmlFor={bFields.format.id} className="block text-sm font-medium text-slate-800">
                Format
              </label>
              <select
                {...getSelectProps(bFields.format)}
                key={bFields.format.key}
                className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
              >
                <option value="csv">CSV</option>
                <option value="json">JSON</option>
              </select>
              <FieldError id={bFields.format.errorId} errors={bFields.format.errors} />
            </div>
            <Field
              field={bFields.expiresInDays}
              label="Credits expire after (days)"
              hint='A number of days, or "never". Default 30.'
            />
          </div>
          <SubmitButton name="intent" value="preview-balances" pendingText="Checking…">
            Check (changes nothing)
          </SubmitButton>
        </Form>
        {summary ? (
          <div
            className="mt-4 space-y-3 rounded-md bg-slate-50 p-4 text-sm ring-1 ring-inset ring-slate-200"
            data-testid="balances-summary"
            role="status"
          >
            <p>
              {summary.dryRun ? "Would import" : "Imported"} {formatCredits(summary.imported)} balances (
              {formatCredits(summary.credits)} credits),{" "}
              {summary.expiresAt ? `expiring ${formatDateTime(summary.expiresAt)}` : "never expiring"};{" "}
              {formatCredits(summary.alreadyImported)} already imported, {formatCredits(summary.skippedZero)} zero
              balances skipped.
            </p>
            {balances?.confirm ? (
              <Form method="post">
                <input type="hidden" name="content" value={balances.confirm.content} />
                <input type="hidden" name="format" value={balances.confirm.format} />
                <input type="hidden" name="expiresInDays" value={balances.confirm.expiresInDays} />
                <SubmitButton name="intent" value="import-balances" pendingText="Importing…">
                  Yes, import {formatCredits(summary.imported)} balances
                </SubmitButton>
              </Form>
            ) : null}
          </div>
        ) : null}
      </Card>

      <Card title="Plans from Stripe">
        <p className="mb-4 text-sm text-slate-700">
          Reads every active price in Stripe and creates the subscription plans and top-up packs its metadata describes
          (<code>credits</code>, <code>planFamily</code>, <code>version</code>, <code>internalId</code>,{" "}
          <code>publicName</code>).
        </p>
        <Form method="post" {...getFormProps(pForm)} className="flex flex-wrap gap-3">
          <FormErrors id={pForm.errorId} errors={pForm.errors} />
          <SubmitButton name="intent" value="preview-plans" variant="secondary" pendingText="Reading Stripe…">
            Check (changes nothing)
          </SubmitButton>
          {report?.dryRun && report.created > 0 ? (
            <SubmitButton name="intent" value="import-plans" pendingText="Importing…">
              Yes, create {formatCredits(report.created)} plans
            </SubmitButton>
          ) : null}
        </Form>
        {report ? (
          <div className="mt-4 space-y-3" data-testid="plans-report">
            <p className="text-sm" role="status">
              {report.prices} prices: {report.created} {report.dryRun ? "would be created" : "created"},{" "}
              {report.existing} already plans, {report.skipped} cannot be imported.
            </p>
            <DataTable
              caption="Stripe prices and what the import does with each"
              rows={report.lines}
              rowKey={(l) => l.priceId}
              empty="No active prices in Stripe."
              columns={[
                { header: "Price", cell: (l) => <code className="break-all text-xs">{l.priceId}</code> },
                { header: "Kind", cell: (l) => l.kind },
                { header: "Outcome", cell: (l) => l.outcome.replace("_", " ") },
                { header: "Missing metadata", cell: (l) => (l.missing.length ? l.missing.join(", ") : "—") },
                { header: "Why not", cell: (l) => <span className="break-words">{l.reason ?? "—"}</span> },
              ]}
            />
          </div>
        ) : null}
      </Card>
    </div>
  );
}
