import { ToastMessage } from "~/components/ui";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { Card, PageHeader } from "~/components/AppShell";
import { ConfirmSection, SecretOnce } from "~/components/AdminPanels";
import { DataTable } from "~/components/DataTable";
import { pageTitle } from "~/components/format";
import { buttonStyles, FormErrors, SubmitButton } from "~/components/forms";
import { Badge, linkClass, Time, type Tone } from "~/components/ui";
import { WebhookEndpointForm } from "~/components/WebhookEndpointForm";
import { EVENT_LABELS } from "~/pages/webhook-forms";
import { endpointIdParam, submitEndpointForm, webhookEndpointView } from "~/pages/webhooks.server";
import { webhookAddressPolicy } from "~/webhooks/index.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Webhook endpoint") }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const before = Number(new URL(request.url).searchParams.get("before"));
  const view = webhookEndpointView(
    context,
    endpointIdParam(params.id),
    Number.isSafeInteger(before) && before > 0 ? before : null,
  );
  if (!view) throw new Response("No such webhook endpoint.", { status: 404 });
  const { toast, clear } = await takeToast(request, context.env);
  return data({ ...view, toast }, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const id = endpointIdParam(params.id);
  const caller = { admin, policy: webhookAddressPolicy(context.env) };
  const answer = await submitEndpointForm(context, caller, id, await request.formData());
  if ("message" in answer) {
    return redirect(`/admin/webhooks/${id}`, {
      headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message: answer.message }) },
    });
  }
  return data(answer, { status: answer.status });
}

const STATUS_TONE: Record<string, Tone> = { pending: "amber", delivered: "green", failed: "red" };

export default function WebhookEndpointPage() {
  const { endpoint, deliveries, nextBefore, eventTypes, toast } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const secret = answer && "secret" in answer ? answer.secret : null;
  const rotateConfirm = answer && "rotateConfirm" in answer ? answer.rotateConfirm : null;
  const actionErrors =
    answer && "form" in answer && answer.form === "action" ? (answer.result.error?.[""] ?? undefined) : undefined;
  type Row = (typeof deliveries)[number];
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to="/admin/webhooks" className={linkClass}>
          ← All endpoints
        </Link>
      </p>
      <PageHeader title="Webhook endpoint">
        <span className="break-all">{endpoint.url}</span> ·{" "}
        {endpoint.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="slate">Disabled</Badge>} · added{" "}
        <Time value={endpoint.createdAt} format="date" />
      </PageHeader>
      <ToastMessage toast={toast} />
      {secret ? (
        <SecretOnce title="New signing secret" label="The endpoint's signing secret" secret={secret.value}>
          For the next 24 hours deliveries are signed with the old secret too, so the receiver can switch without a gap.
        </SecretOnce>
      ) : null}
      {rotateConfirm ? (
        <ConfirmSection id="confirm-rotate" title="Rotate the signing secret?">
          <p>
            A new secret is made and shown once. The old one keeps signing deliveries for 24 hours as well, then stops:
            the receiver must switch to the new one by then.
          </p>
          <Form method="post" className="flex flex-wrap items-center gap-4">
            <SubmitButton name="intent" value="rotate" pendingText="Rotating…">
              Yes, rotate it
            </SubmitButton>
            <Link to={`/admin/webhooks/${endpoint.id}`} className={buttonStyles.link}>
              Cancel
            </Link>
          </Form>
        </ConfirmSection>
      ) : null}
      <FormErrors id="endpoint-action-errors" errors={actionErrors} />

      <Card title="Actions">
        <div className="flex flex-wrap gap-3">
          <Form method="post">
            <SubmitButton name="intent" value="test" variant="secondary" pendingText="Sending…">
              Send a test event
            </SubmitButton>
          </Form>
          <Form method="post">
            {endpoint.enabled ? (
              <SubmitButton name="intent" value="disable" variant="danger" pendingText="Disabling…">
                Disable
              </SubmitButton>
            ) : (
              <SubmitButton name="intent" value="enable" variant="secondary" pendingText="Enabling…">
                Enable
              </SubmitButton>
            )}
          </Form>
          <Form method="post">
            <SubmitButton name="intent" value="confirm-rotate" variant="secondary" pendingText="Checking…">
              Rotate secret…
            </SubmitButton>
          </Form>
        </div>
        {endpoint.previousSecretExpiresAt ? (
          <p className="mt-3 text-sm text-slate-700">
            Also signed with the previous secret until <Time value={endpoint.previousSecretExpiresAt} />.
          </p>
        ) : null}
      </Card>

      <Card title="Deliveries">
        <DataTable<Row>
          rows={deliveries}
          rowKey={(d) => d.id}
          caption="Deliveries to this endpoint, newest event first"
          testId="webhook-deliveries"
          rowAttributes={(d) => ({ "data-delivery": String(d.id), "data-type": d.type })}
          empty="Nothing sent here yet."
          columns={[
            {
              header: "Event",
              cell: (d) => (
                <div>
                  <p>{EVENT_LABELS[d.type] ?? d.type}</p>
                  <code className="break-all text-xs text-slate-600">{d.eventId}</code>
                </div>
              ),
            },
            { header: "Status", cell: (d) => <Badge tone={STATUS_TONE[d.status] ?? "slate"}>{d.status}</Badge> },
            { header: "Attempts", align: "right", cell: (d) => d.attempts },
            { header: "Last answer", cell: (d) => (d.lastStatusCode === null ? "—" : `HTTP ${d.lastStatusCode}`) },
            { header: "Next attempt", cell: (d) => <Time value={d.nextAttemptAt} /> },
            {
              header: "Actions",
              hideHeader: true,
              cell: (d) => (
                <Form method="post">
                  <input type="hidden" name="deliveryId" value={d.id} />
                  <button
                    type="submit"
                    name="intent"
                    value="retry"
                    className={buttonStyles.link}
                    aria-label={`Retry delivery #${d.id}`}
                  >
                    Retry
                  </button>
                </Form>
              ),
            },
          ]}
        />
        {nextBefore ? (
          <p className="mt-3 text-sm">
            <Link to={`?before=${nextBefore}`} className={linkClass}>
              Older deliveries
            </Link>
          </p>
        ) : null}
      </Card>

      <Card title="Edit">
        <WebhookEndpointForm
          intent="update"
          eventTypes={eventTypes}
          defaultValue={{ url: endpoint.url, description: endpoint.description ?? "", events: endpoint.events }}
          lastResult={answer && "form" in answer && answer.form === "endpoint" ? answer.result : undefined}
          submitLabel="Save changes"
        />
      </Card>
    </div>
  );
}
