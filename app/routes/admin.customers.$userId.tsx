import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { auditColumns } from "~/components/AuditColumns";
import { AutoTopupStatus } from "~/components/admin-customer/AutoTopupStatus";
import { ConfirmPanel } from "~/components/admin-customer/ConfirmPanel";
import { CreditForms } from "~/components/admin-customer/CreditForms";
import type { CustomerConfirm } from "~/components/admin-customer/forms";
import { GrantsCard } from "~/components/admin-customer/GrantsCard";
import { LedgerCard } from "~/components/admin-customer/LedgerCard";
import { PaymentsCard } from "~/components/admin-customer/PaymentsCard";
import { SubscriptionCard } from "~/components/admin-customer/SubscriptionCard";
import { Card, PageHeader } from "~/components/AppShell";
import { BalanceSummary } from "~/components/BalanceSummary";
import { FeatureUsage } from "~/components/FeatureUsage";
import { DataTable } from "~/components/DataTable";
import { pageTitle } from "~/components/format";
import { Alert } from "~/components/forms";
import { RoleCard } from "~/components/RoleChange";
import { Time, linkClass } from "~/components/ui";
import { customerFromParams, customerPageAction, customerPageData } from "~/pages/admin-customer.server";
import type { IntentReply } from "~/pages/review-confirm.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: pageTitle(d ? d.customer.name || d.customer.email : "Customer") },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const user = customerFromParams(context, params);
  const { toast, clear } = await takeToast(request, context.env);
  const payload = { ...customerPageData(context, user, new URL(request.url)), toast };
  return data(payload, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const user = customerFromParams(context, params);
  const answer = await customerPageAction(context, admin, user, await request.formData());
  if (!answer) return data({ form: "none", result: undefined }, { status: 400 });
  if (!("done" in answer)) return answer;
  // Done: a fresh page (same filters), the message carried in a cookie.
  const toast = await setToast(context.env, { tone: "success", message: answer.done });
  return redirect(`/admin/customers/${user.id}${new URL(request.url).search}`, { headers: { "Set-Cookie": toast } });
}

export default function CustomerPage() {
  const d = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as IntentReply<CustomerConfirm> | undefined;
  const location = useLocation();
  const confirm = reply?.confirm ?? null;
  const lastResult = (form: string) => (reply?.form === form && !confirm ? reply.result : undefined);
  const c = d.customer;
  const here = `${location.pathname}${location.search}`;

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to="/admin/customers" className={linkClass}>
          ← All customers
        </Link>
      </p>
      <PageHeader title={c.name || c.email}>
        <span className="break-all">{c.email}</span> · customer #{c.id} · {c.role} · joined{" "}
        <Time value={c.createdAt} format="date" />
        {d.customerUrl ? (
          <>
            {" "}
            ·{" "}
            <a href={d.customerUrl} className={linkClass} target="_blank" rel="noreferrer">
              Stripe customer
            </a>
          </>
        ) : null}
      </PageHeader>

      {d.toast ? (
        <div data-testid="toast">
          <Alert tone={d.toast.tone === "error" ? "error" : "success"}>{d.toast.message}</Alert>
        </div>
      ) : null}
      {confirm ? <ConfirmPanel confirm={confirm} action={here} /> : null}

      <Card title="Balance">
        <BalanceSummary balance={d.balance} testId="customer-balance" />
      </Card>
      <FeatureUsage usage={d.featureUsage} who="customer" />

      <CreditForms adjustResult={lastResult("adjust")} grantResult={lastResult("grant")} />
      <GrantsCard grants={d.grants} held={d.held} lastResult={lastResult("void")} />
      <LedgerCard customerId={c.id} type={d.type} ledger={d.ledger} />
      <SubscriptionCard live={d.subscriptions[0]} />
      <PaymentsCard payments={d.payments} refundable={d.refundable} lastResult={lastResult("refund")} />
      <AutoTopupStatus setting={d.autoTopup} packName={d.autoTopupPackName} />

      <Card title="Audit trail">
        <DataTable
          caption="Audited actions about this customer, newest first"
          rows={d.audit}
          rowKey={(a) => a.id}
          empty="Nothing recorded about this customer."
          columns={auditColumns({ details: true })}
        />
        <p className="mt-3 text-sm">
          <Link to={`/admin/audit?customer=${c.id}`} className={linkClass}>
            Full audit trail
          </Link>
        </p>
      </Card>

      <RoleCard role={c.role} lastResult={lastResult("role")} />
    </div>
  );
}
