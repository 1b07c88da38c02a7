import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { listAudit, listAuditActions } from "~/auth/audit-query.server";
import { requireAdmin } from "~/auth/session.server";
import { Card, PageHeader } from "~/components/AppShell";
import { auditColumns } from "~/components/AuditColumns";
import { DataTable } from "~/components/DataTable";
import { buttonStyles } from "~/components/forms";
import { linkClass } from "~/components/ui";
import { parseBefore } from "~/credits/customer-view.server";
import { pageTitle } from "~/components/format";
import { auditActionLabel } from "~/components/audit-details";

export const meta: MetaFunction = () => [{ title: pageTitle("Audit log") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const url = new URL(request.url);
  const actor = (url.searchParams.get("actor") ?? "").trim().slice(0, 200);
  const action = (url.searchParams.get("action") ?? "").trim().slice(0, 100);
  const customerParam = (url.searchParams.get("customer") ?? "").trim();
  const customer = /^\d{1,15}$/.test(customerParam) ? Number(customerParam) : null;
  const before = parseBefore(url.searchParams.get("before"));
  const page = listAudit(context.db, { actor, action, userId: customer, before });
  return {
    filters: { actor, action, customer: customer ? String(customer) : "" },
    actions: listAuditActions(context.db),
    ...page,
  };
}

export default function AuditPage() {
  const { filters, actions, rows, nextBefore } = useLoaderData<typeof loader>();
  const more = new URLSearchParams({ ...filters, before: String(nextBefore ?? "") });
  return (
    <div className="space-y-6">
      <PageHeader title="Audit log">Every admin, API and system action, newest first.</PageHeader>
      <Card>
        <Form method="get" className="grid gap-3 sm:grid-cols-4 sm:items-end">
          <div>
            <label htmlFor="audit-actor" className="block text-sm font-medium text-slate-800">
              Actor
            </label>
            <input
              id="audit-actor"
              name="actor"
              defaultValue={filters.actor}
              placeholder="email, user:12, cli, stripe"
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
            />
          </div>
          <div>
            <label htmlFor="audit-action" className="block text-sm font-medium text-slate-800">
              Action
            </label>
            <select
              id="audit-action"
              name="action"
              defaultValue={filters.action}
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
            >
              <option value="">Any</option>
              {actions.map((a) => (
                <option key={a} value={a}>
                  {auditActionLabel(a)}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="audit-customer" className="block text-sm font-medium text-slate-800">
              Customer id
            </label>
            <input
              id="audit-customer"
              name="customer"
              inputMode="numeric"
              defaultValue={filters.customer}
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
            />
          </div>
          <div className="flex gap-3">
            <button type="submit" className={buttonStyles.primary}>
              Filter
            </button>
            <Link to="/admin/audit" className={buttonStyles.link}>
              Clear
            </Link>
          </div>
        </Form>
      </Card>
      <Card>
        <DataTable
          caption="Audit log entries"
          testId="audit"
          rows={rows}
          rowKey={(a) => a.id}
          empty="Nothing matches these filters."
          columns={auditColumns({ subject: "link", details: true })}
        />
        {nextBefore ? (
          <p className="mt-4 text-sm">
            <Link to={`?${more.toString()}`} className={linkClass}>
              Older entries
            </Link>
          </p>
        ) : null}
      </Card>
    </div>
  );
}
