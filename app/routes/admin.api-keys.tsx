import { ToastMessage } from "~/components/ui";
import { getFormProps } from "@conform-to/react";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { Card, PageHeader } from "~/components/AppShell";
import { ConfirmSection, SecretOnce } from "~/components/AdminPanels";
import { DataTable } from "~/components/DataTable";
import { pageTitle } from "~/components/format";
import { buttonStyles, Field, FormErrors, SelectField, SubmitButton, useSchemaForm } from "~/components/forms";
import { Badge, linkClass, Time } from "~/components/ui";
import { createKeySchema, SCOPE_LABELS } from "~/pages/api-key-forms";
import { apiKeysView, submitApiKeysForm, type ApiKeyRow } from "~/pages/api-keys.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction = () => [{ title: pageTitle("API keys") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { toast, clear } = await takeToast(request, context.env);
  return data({ ...apiKeysView(context), toast }, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const answer = submitApiKeysForm(context, admin, await request.formData());
  if ("message" in answer) {
    return redirect("/admin/api-keys", {
      headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message: answer.message }) },
    });
  }
  return data(answer, { status: answer.status });
}

const scopeOptions = Object.entries(SCOPE_LABELS).map(([value, label]) => ({ value, label }));

export default function ApiKeysPage() {
  const { keys, toast } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const created = answer && "created" in answer ? answer.created : null;
  const revokeConfirm = answer && "revokeConfirm" in answer ? answer.revokeConfirm : null;
  const [form, fields] = useSchemaForm(createKeySchema, {
    id: "create-key",
    defaultValue: { scope: "usage" },
    lastResult: answer && "form" in answer && answer.form === "create" ? answer.result : undefined,
  });
  const revokeErrors =
    answer && "form" in answer && answer.form === "revoke" && !revokeConfirm
      ? (answer.result.error?.[""] ?? undefined)
      : undefined;

  return (
    <div className="space-y-6">
      <PageHeader title="API keys">
        Keys for the JSON API (
        <Link to="/docs/api" className={linkClass}>
          API docs
        </Link>
        ). Usage keys read balances and make deductions; admin keys can do everything. Only a key&apos;s first
        characters are kept to show here.
      </PageHeader>
      <ToastMessage toast={toast} />
      {created ? (
        <SecretOnce title={`Key “${created.name}” created`} label="The API key" secret={created.key}>
          Send it as <code>Authorization: Bearer &lt;key&gt;</code>.
        </SecretOnce>
      ) : null}
      {revokeConfirm ? (
        <ConfirmSection id="confirm-revoke" title={`Revoke “${revokeConfirm.name}”?`}>
          <p>
            The {revokeConfirm.scope} key {revokeConfirm.prefix}… (last used{" "}
            {revokeConfirm.lastUsedAt ? <Time value={revokeConfirm.lastUsedAt} /> : "never"}) stops working on the next
            request, for good. Anything that still sends it will get 401 answers.
          </p>
          <Form method="post" className="flex flex-wrap items-center gap-4">
            <input type="hidden" name="id" value={revokeConfirm.id} />
            <input type="hidden" name="prefix" value={revokeConfirm.prefix} />
            <SubmitButton name="intent" value="revoke" variant="danger" pendingText="Revoking…">
              Yes, revoke it
            </SubmitButton>
            <Link to="/admin/api-keys" className={buttonStyles.link}>
              Cancel
            </Link>
          </Form>
        </ConfirmSection>
      ) : null}

      <Card title="Keys">
        <FormErrors id="revoke-errors" errors={revokeErrors} />
        <KeyTable keys={keys} />
      </Card>

      <Card title="Create a key">
        <Form method="post" {...getFormProps(form)} className="max-w-xl space-y-4">
          <FormErrors id={form.errorId} errors={form.errors} />
          <Field field={fields.name} label="Name" hint="Who or what uses it, e.g. “billing worker”." />
          <SelectField
            field={fields.scope}
            label="Scope"
            options={scopeOptions}
            hint="Usage: read balances and ledgers, make deductions. Admin: everything, grants and webhooks included."
          />
          <Field
            field={fields.rateLimitPerSecond}
            label="Rate limit (requests per second)"
            inputMode="numeric"
            optional
            hint="Empty: not limited."
          />
          <SubmitButton name="intent" value="create" pendingText="Creating…">
            Create key
          </SubmitButton>
        </Form>
      </Card>
    </div>
  );
}

function KeyTable({ keys }: { keys: ApiKeyRow[] }) {
  return (
    <DataTable<ApiKeyRow>
      rows={keys}
      rowKey={(k) => k.id}
      caption="API keys, live ones first"
      testId="api-keys"
      rowAttributes={(k) => ({ "data-key": String(k.id) })}
      empty="No API keys yet."
      columns={[
        {
          header: "Name",
          cell: (k) => (
            <span>
              <span className="font-medium text-slate-900">{k.name}</span>{" "}
              <code className="text-xs text-slate-600">{k.prefix}…</code>
            </span>
          ),
        },
        { header: "Scope", cell: (k) => (k.scope === "admin" ? "Admin" : "Usage") },
        {
          header: "Rate limit",
          cell: (k) =>
            k.rateLimitPerSecond === null ? "Not limited" : `${k.rateLimitPerSecond.toLocaleString("en-US")}/s`,
        },
        { header: "Last used", cell: (k) => (k.lastUsedAt ? <Time value={k.lastUsedAt} /> : "Never") },
        { header: "Created", cell: (k) => <Time value={k.createdAt} /> },
        {
          header: "Status",
          cell: (k) =>
            k.revokedAt ? (
              <span className="space-x-1">
                <Badge tone="red">Revoked</Badge> <Time value={k.revokedAt} format="date" />
              </span>
            ) : (
              <Badge tone="green">Active</Badge>
            ),
        },
        {
          header: "Actions",
          hideHeader: true,
          cell: (k) =>
            k.revokedAt ? null : (
              <Form method="post">
                <input type="hidden" name="id" value={k.id} />
                <button
                  type="submit"
                  name="intent"
                  value="confirm-revoke"
                  className={buttonStyles.link}
                  aria-label={`Revoke ${k.name}`}
                >
                  Revoke…
                </button>
              </Form>
            ),
        },
      ]}
    />
  );
}
