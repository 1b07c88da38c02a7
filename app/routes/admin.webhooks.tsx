import { ToastMessage } from "~/components/ui";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { Card, PageHeader } from "~/components/AppShell";
import { SecretOnce } from "~/components/AdminPanels";
import { DataTable } from "~/components/DataTable";
import { pageTitle } from "~/components/format";
import { Badge, linkClass, Time } from "~/components/ui";
import { WebhookEndpointForm } from "~/components/WebhookEndpointForm";
import { submitCreateEndpoint, webhooksView } from "~/pages/webhooks.server";
import { webhookAddressPolicy } from "~/webhooks/index.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Webhooks") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { toast, clear } = await takeToast(request, context.env);
  return data({ ...webhooksView(context), toast }, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const caller = { admin, policy: webhookAddressPolicy(context.env) };
  const answer = await submitCreateEndpoint(context, caller, await request.formData());
  if ("message" in answer) {
    return redirect("/admin/webhooks", {
      headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message: answer.message }) },
    });
  }
  return data(answer, { status: answer.status });
}

export default function WebhooksPage() {
  const { endpoints, eventTypes, defaultEvents, toast } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const secret = answer && "secret" in answer ? answer.secret : null;
  type Row = (typeof endpoints)[number];
  return (
    <div className="space-y-6">
      <PageHeader title="Webhooks">
        Endpoints that receive credit and balance events, signed with their own secret (Standard Webhooks).
      </PageHeader>
      <ToastMessage toast={toast} />
      {secret ? (
        <SecretOnce title="Endpoint created" label="The endpoint's signing secret" secret={secret.value}>
          <Link to={`/admin/webhooks/${secret.endpointId}`} className={linkClass}>
            Open the endpoint
          </Link>{" "}
          to send it a test event.
        </SecretOnce>
      ) : null}
      <Card title="Endpoints">
        <DataTable<Row>
          rows={endpoints}
          rowKey={(e) => e.id}
          caption="Webhook endpoints"
          testId="webhook-endpoints"
          rowAttributes={(e) => ({ "data-endpoint": String(e.id) })}
          empty="No endpoints yet."
          columns={[
            {
              header: "Endpoint",
              cell: (e) => (
                <div className="space-y-1">
                  <Link to={`/admin/webhooks/${e.id}`} className={`break-all ${linkClass}`}>
                    {e.url}
                  </Link>
                  {e.description ? <p className="text-xs text-slate-600">{e.description}</p> : null}
                </div>
              ),
            },
            { header: "Events", cell: (e) => <span className="break-words text-sm">{e.events.join(", ")}</span> },
            {
              header: "Status",
              cell: (e) => (e.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="slate">Disabled</Badge>),
            },
            { header: "Created", cell: (e) => <Time value={e.createdAt} format="date" /> },
          ]}
        />
      </Card>
      <Card title="Add an endpoint">
        <WebhookEndpointForm
          intent="create"
          eventTypes={eventTypes}
          defaultValue={{ events: defaultEvents }}
          lastResult={answer && "result" in answer ? answer.result : undefined}
          submitLabel="Add endpoint"
        />
      </Card>
    </div>
  );
}
