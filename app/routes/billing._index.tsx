import {
  data,
  redirect,
  redirectDocument,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { Card, PageHeader } from "~/components/AppShell";
import { AutoTopupCard } from "~/components/AutoTopup";
import { BalanceSummary } from "~/components/BalanceSummary";
import type { CancelReview, PlanReview } from "~/components/billing/forms";
import { TopupPacksCard } from "~/components/billing/Offers";
import { ReviewCancel, ReviewChange } from "~/components/billing/Reviews";
import { SubscriptionCard } from "~/components/billing/SubscriptionCard";
import { HistoryCard, PaymentsCard } from "~/components/billing/Tables";
import { CustomerWarnings } from "~/components/CustomerWarnings";
import { pageTitle } from "~/components/format";
import { Alert, SubmitButton, useFocusFirstError } from "~/components/forms";
import { ResultAlert, TextLink } from "~/components/ui";
import { billingPageAction, billingPageData, type BillingReply } from "~/pages/billing.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Billing") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const { toast, clear } = await takeToast(request, context.env);
  const page = await billingPageData(context, user.id);
  return data({ ...page, toast }, clear ? { headers: { "Set-Cookie": clear } } : {});
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const answer = await billingPageAction(context, user.id, await request.formData());
  if ("redirectTo" in answer) return redirectDocument(answer.redirectTo);
  if ("reply" in answer) return data(answer.reply, { status: answer.status });
  // Done: a fresh page (new balance, plan and history), the message carried in a cookie.
  const toast = await setToast(context.env, { tone: "success", message: answer.done });
  return redirect("/billing", { headers: { "Set-Cookie": toast } });
}

/** The action's reply as the page gets it (the plans in their serialized shape). */
type Reply = Omit<BillingReply, "review" | "reviewCancel"> & { review?: PlanReview; reviewCancel?: CancelReview };

export default function Billing() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as Reply | undefined;
  const [params] = useSearchParams();
  const pageRef = useFocusFirstError<HTMLDivElement>(result && !result.ok ? result : undefined);
  const quantityError = result && !result.ok && result.field === "quantity" ? result : undefined;

  return (
    <div className="space-y-6" ref={pageRef}>
      <PageHeader title="Billing">Your plan, top-up packs and payments.</PageHeader>

      {params.get("checkout") === "canceled" && !result ? (
        <Alert tone="info">Checkout was canceled; nothing was charged.</Alert>
      ) : null}
      {d.toast && !result ? (
        <Alert tone={d.toast.tone === "error" ? "error" : "success"}>{d.toast.message}</Alert>
      ) : null}
      {quantityError ? null : <ResultAlert result={result} />}
      {result?.review ? <ReviewChange review={result.review} /> : null}
      {result?.reviewCancel ? <ReviewCancel review={result.reviewCancel} /> : null}

      <CustomerWarnings warnings={d.warnings} />

      <Card title="Credits">
        <BalanceSummary balance={d.balance} testId="billing-balance" />
        <p className="mt-4 text-sm">
          <TextLink to="/credits">See every grant, your usage and your history</TextLink>
        </p>
      </Card>

      <SubscriptionCard
        subscription={d.subscription}
        offeredSubscriptionPlans={d.offeredSubscriptionPlans}
        nextInvoice={d.nextInvoice}
      />
      <TopupPacksCard packs={d.offeredTopupPlans} quantityError={quantityError} />
      <AutoTopupCard
        section={d.autoTopup}
        lastResult={result?.form === "auto-topup" ? (result.result as never) : undefined}
      />
      <PaymentsCard payments={d.payments} />
      <HistoryCard history={d.subscriptionHistory} />

      <Card title="Payment details">
        <p className="text-sm text-slate-700">
          Update your card or download invoices in Stripe&apos;s customer portal.
        </p>
        <Form method="post" className="mt-3">
          <SubmitButton name="intent" value="portal" variant="secondary" pendingText="Opening the portal…">
            Open the customer portal
          </SubmitButton>
        </Form>
      </Card>
    </div>
  );
}
