import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { z } from "zod";
import { listAudit } from "~/auth/audit-query.server";
import { requireAdmin } from "~/auth/session.server";
import { submitRoleForm } from "~/auth/role-page.server";
import { getUserById } from "~/auth/users.server";
import { adminAdjust, adminGrant, adminVoidGrant } from "~/billing/admin-credits.server";
import { listCustomerPayments, listCustomerSubscriptions, stripeDashboardUrl } from "~/billing/customers.server";
import { Card, PageHeader } from "~/components/AppShell";
import { BalanceSummary, KIND_LABELS } from "~/components/BalanceSummary";
import { buttonStyles, Field, FormErrors, SubmitButton, useSchemaForm } from "~/components/forms";
import { auditColumns } from "~/components/AuditColumns";
import { DataTable } from "~/components/DataTable";
import { RoleCard, RoleConfirmPanel } from "~/components/RoleChange";
import { formatCredits, formatMoney, formatSignedCredits, pageTitle } from "~/components/format";
import { Badge, Time, linkClass, type Tone } from "~/components/ui";
import { getBalance, getGrant } from "~/credits/index.server";
import { isLedgerType, listGrantsPage, listLedgerPage, parseBefore } from "~/credits/customer-view.server";
import { isAppError } from "~/utils/errors";
import { hasVisibleCharacter } from "~/utils/text";
import { setToast, takeToast } from "~/utils/toast.server";
import { FeatureUsage } from "~/components/FeatureUsage";
import { featureUsageView } from "~/pages/feature-usage.server";
import { LEDGER_ENTRY_TYPES } from "../../db/schema";

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: pageTitle(d ? d.customer.name || d.customer.email : "Customer") },
];

// One zod schema per form. Each money form is posted twice: "confirm-…" shows what will happen,
// then the confirmation (with a fresh idempotency key made on the confirm step) does it.

const KEY = z.string().regex(/^[A-Za-z0-9-]{8,100}$/, "This confirmation expired; start again.");
const REASON = z
  .string({ required_error: "Say why; the customer sees this next to the credits." })
  .trim()
  .min(1, "Say why; the customer sees this next to the credits.")
  .max(200, "Use at most 200 characters.")
  .refine(hasVisibleCharacter, "Say why in words; the customer sees this next to the credits.");

export const adjustSchema = z
  .object({
    intent: z.enum(["confirm-adjust", "adjust"]),
    amount: z
      .number({
        required_error: "Enter a number of credits, like 200 to add or -50 to take away.",
        invalid_type_error: "Enter a whole number, like 200 to add or -50 to take away.",
      })
      .int("Enter a whole number of credits.")
      .refine((n) => n !== 0, "Enter a number other than 0.")
      .refine((n) => Math.abs(n) <= 1_000_000, "Adjust by at most 1,000,000 credits at once."),
    reason: REASON,
    key: KEY.optional(),
  })
  .refine((v) => v.intent !== "adjust" || v.key, { path: ["key"], message: "This confirmation expired; start again." });

export const voidSchema = z
  .object({
    intent: z.enum(["confirm-void", "void"]),
    grantId: z.number({ required_error: "Choose a grant.", invalid_type_error: "Choose a grant." }).int().positive(),
    reason: z
      .string()
      .trim()
      .max(200, "Use at most 200 characters.")
      .refine((s) => s === "" || hasVisibleCharacter(s), "Say why in words, or leave the reason empty.")
      .optional(),
    key: KEY.optional(),
  })
  .refine((v) => v.intent !== "void" || v.key, { path: ["key"], message: "This confirmation expired; start again." });

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const grantSchema = z
  .object({
    intent: z.enum(["confirm-grant", "grant"]),
    amount: z
      .number({
        required_error: "Enter how many credits to grant.",
        invalid_type_error: "Enter a whole number of credits, like 500.",
      })
      .int("Enter a whole number of credits.")
      .min(1, "Grant at least 1 credit.")
      .max(1_000_000, "Grant at most 1,000,000 credits at once."),
    reason: REASON,
    expiresOn: z
      .string()
      .trim()
      .refine((s) => DAY.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "Use a date like 2026-12-31.")
      .optional(),
    key: KEY.optional(),
  })
  .refine((v) => v.intent !== "grant" || v.key, { path: ["key"], message: "This confirmation expired; start again." });

function customerId(params: { userId?: string }): number {
  const id = /^\d{1,15}$/.test(params.userId ?? "") ? Number(params.userId) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new Response("No such customer.", { status: 404 });
  return id;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const userId = customerId(params);
  const user = getUserById(context.db, userId);
  if (!user) throw new Response("No such customer.", { status: 404 });
  const url = new URL(request.url);
  const typeParam = url.searchParams.get("type");
  const type = isLedgerType(typeParam) ? typeParam : null;
  const { toast, clear } = await takeToast(request, context.env);
  const testMode = context.env.stripeOffline || (context.env.STRIPE_SECRET_KEY ?? "").startsWith("sk_test_");
  const payload = {
    customer: {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      stripeCustomerId: user.stripeCustomerId,
      createdAt: user.createdAt.toISOString(),
    },
    balance: getBalance(context, userId),
    grants: listGrantsPage(context, userId, { before: parseBefore(url.searchParams.get("grants")) }),
    ledger: listLedgerPage(context, userId, { type, before: parseBefore(url.searchParams.get("before")) }),
    type,
    subscriptions: listCustomerSubscriptions(context.db, userId).map((s) => ({
      ...s,
      subscriptionUrl: stripeDashboardUrl("subscriptions", s.stripeSubscriptionId, testMode),
    })),
    customerUrl: user.stripeCustomerId ? stripeDashboardUrl("customers", user.stripeCustomerId, testMode) : null,
    payments: listCustomerPayments(context.db, userId),
    audit: listAudit(context.db, { userId, limit: 20 }).rows,
    featureUsage: featureUsageView(context, userId),
    toast,
  };
  return data(payload, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

type Confirm =
  | { kind: "adjust"; amount: number; reason: string; key: string; balance: number }
  | { kind: "void"; grantId: number; remaining: number; grantLabel: string; key: string; reason: string }
  | { kind: "grant"; amount: number; reason: string; expiresOn: string; key: string };

async function done(request: Request, context: ActionFunctionArgs["context"], userId: number, message: string) {
  const url = new URL(request.url);
  return redirect(`/admin/customers/${userId}${url.search}`, {
    headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message }) },
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const userId = customerId(params);
  const user = getUserById(context.db, userId);
  if (!user) throw new Response("No such customer.", { status: 404 });
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const ctx = { db: context.db, clock: context.clock };

  if (intent === "confirm-adjust" || intent === "adjust") {
    const submission = parseWithZod(form, { schema: adjustSchema });
    if (submission.status !== "success")
      return data({ form: "adjust" as const, result: submission.reply() }, { status: 400 });
    const v = submission.value;
    if (v.intent === "confirm-adjust") {
      const confirm: Confirm = {
        kind: "adjust",
        amount: v.amount,
        reason: v.reason,
        key: crypto.randomUUID(),
        balance: getBalance(ctx, userId).balance,
      };
      return { form: "adjust" as const, result: submission.reply(), confirm };
    }
    try {
      const r = adminAdjust(ctx, { adminId: admin.id, userId, amount: v.amount, reason: v.reason, key: v.key! });
      const verb = v.amount > 0 ? `Added ${formatCredits(v.amount)}` : `Took ${formatCredits(-v.amount)}`;
      return done(request, context, userId, `${verb} credits. The balance is now ${formatCredits(r.balance)}.`);
    } catch (e) {
      if (!isAppError(e)) throw e;
      return data({ form: "adjust" as const, result: submission.reply({ formErrors: [e.message] }) }, { status: 409 });
    }
  }

  if (intent === "confirm-void" || intent === "void") {
    const submission = parseWithZod(form, { schema: voidSchema });
    if (submission.status !== "success")
      return data({ form: "void" as const, result: submission.reply() }, { status: 400 });
    const v = submission.value;
    const grant = getGrant(ctx, v.grantId);
    if (!grant || grant.userId !== userId) {
      return data(
        {
          form: "void" as const,
          result: submission.reply({ formErrors: ["That grant does not belong to this customer."] }),
        },
        { status: 404 },
      );
    }
    if (v.intent === "confirm-void") {
      const confirm: Confirm = {
        kind: "void",
        grantId: grant.id,
        remaining: grant.remaining,
        grantLabel: `${KIND_LABELS[grant.type]} grant #${grant.id}${grant.reason ? ` (“${grant.reason}”)` : ""}`,
        key: crypto.randomUUID(),
        reason: v.reason ?? "",
      };
      return { form: "void" as const, result: submission.reply(), confirm };
    }
    try {
      const r = adminVoidGrant(ctx, {
        adminId: admin.id,
        userId,
        grantId: v.grantId,
        reason: v.reason || "Voided by an admin",
        key: v.key!,
      });
      return done(
        request,
        context,
        userId,
        `Voided grant #${v.grantId}: ${formatCredits(r.removed)} credits removed. The balance is now ${formatCredits(r.balance)}.`,
      );
    } catch (e) {
      if (!isAppError(e)) throw e;
      return data({ form: "void" as const, result: submission.reply({ formErrors: [e.message] }) }, { status: 409 });
    }
  }

  if (intent === "confirm-grant" || intent === "grant") {
    const submission = parseWithZod(form, { schema: grantSchema });
    if (submission.status !== "success")
      return data({ form: "grant" as const, result: submission.reply() }, { status: 400 });
    const v = submission.value;
    // Spendable through the chosen day (UTC): the grant expires when the next day starts.
    const expiresAt = v.expiresOn ? new Date(Date.parse(`${v.expiresOn}T00:00:00Z`) + 86_400_000) : null;
    if (expiresAt && expiresAt <= context.clock.now()) {
      return data(
        {
          form: "grant" as const,
          result: submission.reply({ fieldErrors: { expiresOn: ["Choose a day that has not ended yet."] } }),
        },
        { status: 400 },
      );
    }
    if (v.intent === "confirm-grant") {
      const confirm: Confirm = {
        kind: "grant",
        amount: v.amount,
        reason: v.reason,
        expiresOn: v.expiresOn ?? "",
        key: crypto.randomUUID(),
      };
      return { form: "grant" as const, result: submission.reply(), confirm };
    }
    try {
      const r = adminGrant(ctx, {
        adminId: admin.id,
        userId,
        amount: v.amount,
        reason: v.reason,
        expiresAt,
        key: v.key!,
      });
      return done(
        request,
        context,
        userId,
        `Granted ${formatCredits(v.amount)} promotional credits. The balance is now ${formatCredits(r.balance)}.`,
      );
    } catch (e) {
      if (!isAppError(e)) throw e;
      return data({ form: "grant" as const, result: submission.reply({ formErrors: [e.message] }) }, { status: 409 });
    }
  }

  if (intent === "confirm-role" || intent === "set-role") {
    const r = submitRoleForm(ctx, admin, user, form);
    if ("message" in r) return done(request, context, userId, r.message);
    return data(r, { status: r.status });
  }

  return data({ form: "none" as const, result: undefined }, { status: 400 });
}

const STATUS_TONES: Record<string, Tone> = {
  active: "green",
  pending: "sky",
  depleted: "slate",
  expired: "amber",
  voided: "red",
};

function pageLink(search: string, changes: Record<string, string | null>): string {
  const params = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) params.delete(k);
    else params.set(k, v);
  }
  const s = params.toString();
  return s ? `?${s}` : ".";
}

export default function CustomerPage() {
  const d = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const location = useLocation();
  const confirm = actionData && "confirm" in actionData ? (actionData.confirm as Confirm) : null;
  const roleConfirm = actionData && "roleConfirm" in actionData ? actionData.roleConfirm : undefined;
  const lastResult = (name: string) =>
    actionData && actionData.form === name && !confirm && !roleConfirm ? actionData.result : undefined;

  const [adjustForm, adjustFields] = useSchemaForm(adjustSchema, {
    id: "adjust",
    lastResult: lastResult("adjust"),
  });
  const [grantForm, grantFields] = useSchemaForm(grantSchema, {
    id: "grant",
    lastResult: lastResult("grant"),
  });
  const [voidForm] = useForm({ id: "void", lastResult: lastResult("void") });
  const c = d.customer;
  const live = d.subscriptions[0];

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
        <div
          role="status"
          className={`rounded-md border px-4 py-3 text-sm ${d.toast.tone === "success" ? "border-emerald-300 bg-emerald-50 text-emerald-800" : "border-red-300 bg-red-50 text-red-800"}`}
          data-testid="toast"
        >
          {d.toast.message}
        </div>
      ) : null}

      {confirm ? <ConfirmPanel confirm={confirm} search={location.search} pathname={location.pathname} /> : null}
      {roleConfirm ? (
        <RoleConfirmPanel confirm={roleConfirm} search={location.search} pathname={location.pathname} />
      ) : null}

      <Card title="Balance">
        <BalanceSummary balance={d.balance} testId="customer-balance" />
      </Card>
      <FeatureUsage usage={d.featureUsage} who="customer" />

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Adjust the balance">
          <Form method="post" {...getFormProps(adjustForm)} className="space-y-4">
            <FormErrors id={adjustForm.errorId} errors={adjustForm.errors} />
            <Field
              field={adjustFields.amount}
              label="Credits"
              inputMode="text"
              hint="Positive adds credits, negative takes them away (e.g. -50)."
            />
            <Field field={adjustFields.reason} label="Reason" hint="Shown to the customer in their history." />
            <SubmitButton name="intent" value="confirm-adjust" pendingText="Checking…">
              Review adjustment
            </SubmitButton>
          </Form>
        </Card>
        <Card title="Grant promotional credits">
          <Form method="post" {...getFormProps(grantForm)} className="space-y-4">
            <FormErrors id={grantForm.errorId} errors={grantForm.errors} />
            <Field field={grantFields.amount} label="Credits" inputMode="numeric" />
            <Field field={grantFields.reason} label="Reason" hint="Shown to the customer next to the credits." />
            <Field
              field={grantFields.expiresOn}
              label="Expires after"
              type="date"
              optional
              hint="Usable through this day (UTC). Empty: never expires."
            />
            <SubmitButton name="intent" value="confirm-grant" pendingText="Checking…">
              Review grant
            </SubmitButton>
          </Form>
        </Card>
      </div>

      <Card title="Grants">
        <FormErrors id={voidForm.errorId} errors={voidForm.errors} />
        <DataTable
          caption="Every grant of this customer, newest first"
          testId="grants"
          rows={d.grants.rows}
          rowKey={(g) => g.id}
          rowAttributes={(g) => ({ "data-grant-id": String(g.id) })}
          empty="No grants yet."
          columns={[
            { header: "Grant", cell: (g) => `#${g.id}` },
            { header: "Kind", cell: (g) => KIND_LABELS[g.type] },
            { header: "Status", cell: (g) => <Badge tone={STATUS_TONES[g.status] ?? "slate"}>{g.status}</Badge> },
            { header: "Amount", align: "right", cell: (g) => formatCredits(g.amount) },
            { header: "Left", align: "right", cell: (g) => formatCredits(g.remaining) },
            { header: "Expires", cell: (g) => (g.expiresAt ? <Time value={g.expiresAt} /> : "Never") },
            { header: "Reason", cell: (g) => g.reason ?? "—" },
            {
              header: "Actions",
              hideHeader: true,
              cell: (g) =>
                (g.status === "active" || g.status === "pending") && g.remaining > 0 ? (
                  <Form method="post" action={`${location.pathname}${location.search}`}>
                    <input type="hidden" name="grantId" value={g.id} />
                    <button
                      type="submit"
                      name="intent"
                      value="confirm-void"
                      className={buttonStyles.link}
                      aria-label={`Void grant #${g.id}`}
                    >
                      Void…
                    </button>
                  </Form>
                ) : null,
            },
          ]}
        />
        {d.grants.nextBefore ? (
          <p className="mt-3 text-sm">
            <Link to={pageLink(location.search, { grants: String(d.grants.nextBefore) })} className={linkClass}>
              Older grants
            </Link>
          </p>
        ) : null}
      </Card>

      <Card title="Ledger">
        <div className="mb-3 flex flex-wrap items-end gap-3">
          <Form method="get" className="flex flex-wrap items-end gap-2">
            <label className="text-sm font-medium text-slate-800">
              Type
              <select
                name="type"
                defaultValue={d.type ?? ""}
                className="ml-2 rounded-md border border-slate-300 px-2 py-1.5"
              >
                <option value="">All</option>
                {LEDGER_ENTRY_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className={buttonStyles.secondary}>
              Filter
            </button>
          </Form>
          <a
            href={`/admin/customers/${c.id}/ledger.csv${d.type ? `?type=${d.type}` : ""}`}
            className={buttonStyles.secondary}
            download
          >
            Download CSV
          </a>
        </div>
        <DataTable
          caption="Ledger entries, newest first"
          testId="ledger"
          rows={d.ledger.rows}
          rowKey={(e) => e.id}
          empty={d.type ? `No ${d.type} entries.` : "No entries yet."}
          columns={[
            { header: "When", cell: (e) => <Time value={e.createdAt} /> },
            { header: "Type", cell: (e) => e.type },
            { header: "Amount", align: "right", cell: (e) => formatSignedCredits(e.amount) },
            { header: "Balance after", align: "right", cell: (e) => formatCredits(e.balanceAfter) },
            { header: "Reason", cell: (e) => e.reason ?? "—" },
            {
              header: "From grants",
              cell: (e) =>
                e.allocations.length
                  ? e.allocations.map((a) => `#${a.grantId}: ${formatCredits(a.amount)}`).join(", ")
                  : e.grantId
                    ? `#${e.grantId}`
                    : "—",
            },
            { header: "By", cell: (e) => <span className="break-all">{e.actor ?? "—"}</span> },
          ]}
        />
        {d.ledger.nextBefore ? (
          <p className="mt-3 text-sm">
            <Link to={pageLink(location.search, { before: String(d.ledger.nextBefore) })} className={linkClass}>
              Older entries
            </Link>
          </p>
        ) : null}
      </Card>

      <Card title="Subscription">
        {live ? (
          <>
            <dl className="grid gap-3 text-sm sm:grid-cols-2">
              <div>
                <dt className="text-slate-600">Plan</dt>
                <dd className="font-medium">
                  {live.planName ?? "Unknown plan"} {live.planVersion ? `(version ${live.planVersion})` : null}
                </dd>
              </div>
              <div>
                <dt className="text-slate-600">Status</dt>
                <dd>
                  <Badge tone={live.status === "active" ? "green" : "amber"}>{live.status}</Badge>
                  {live.cancelAtPeriodEnd ? " · cancels at period end" : null}
                </dd>
              </div>
              <div>
                <dt className="text-slate-600">Current period</dt>
                <dd>
                  <Time value={live.currentPeriodStart} format="date" /> –{" "}
                  <Time value={live.currentPeriodEnd} format="date" />
                </dd>
              </div>
              <div>
                <dt className="text-slate-600">Pending change</dt>
                <dd>
                  {live.pendingPlanName
                    ? `${live.pendingPlanName} (version ${live.pendingPlanVersion}) at renewal`
                    : "None"}
                </dd>
              </div>
            </dl>
            {/* Outside the list: a dl holds only dt/dd groups (axe's definition-list). */}
            <p className="mt-3 text-sm">
              <a href={live.subscriptionUrl} className={linkClass} target="_blank" rel="noreferrer">
                Open the subscription in Stripe
              </a>
            </p>
          </>
        ) : (
          <p className="text-sm text-slate-600">No subscription.</p>
        )}
      </Card>

      <Card title="Payments">
        <DataTable
          caption="Top-ups and subscription invoices, newest first"
          rows={d.payments}
          rowKey={(p) => `${p.kind}-${p.stripeId}`}
          empty="No payments yet."
          columns={[
            { header: "When", cell: (p) => <Time value={p.createdAt} /> },
            { header: "What", cell: (p) => p.description },
            { header: "Credits", align: "right", cell: (p) => formatCredits(p.credits) },
            {
              header: "Paid",
              align: "right",
              cell: (p) => (p.amountCents === null ? "—" : formatMoney(p.amountCents, p.currency ?? "usd")),
            },
            {
              header: "Refunded",
              align: "right",
              cell: (p) => (p.amountRefundedCents ? formatMoney(p.amountRefundedCents, p.currency ?? "usd") : "—"),
            },
            { header: "Status", cell: (p) => p.status },
            { header: "Stripe", cell: (p) => <code className="break-all text-xs">{p.stripeId}</code> },
          ]}
        />
      </Card>

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

/** The second step of every money-changing action: what will happen, and a button to do it. */
function ConfirmPanel({ confirm, search, pathname }: { confirm: Confirm; search: string; pathname: string }) {
  const title =
    confirm.kind === "adjust"
      ? confirm.amount > 0
        ? `Add ${formatCredits(confirm.amount)} credits?`
        : `Take ${formatCredits(-confirm.amount)} credits away?`
      : confirm.kind === "void"
        ? `Void grant #${confirm.grantId}?`
        : `Grant ${formatCredits(confirm.amount)} promotional credits?`;
  return (
    <section
      aria-labelledby="confirm-title"
      className="rounded-lg border-2 border-amber-400 bg-amber-50 p-5"
      data-testid="confirm"
    >
      <h2 id="confirm-title" className="text-lg font-semibold text-slate-900">
        {title}
      </h2>
      <div className="mt-2 text-sm text-slate-800">
        {confirm.kind === "adjust" ? (
          <p>
            Reason: “{confirm.reason}”. The balance is {formatCredits(confirm.balance)} now
            {confirm.amount > 0 ? ` and will be ${formatCredits(confirm.balance + confirm.amount)}.` : "."}
          </p>
        ) : confirm.kind === "void" ? (
          <p>
            {confirm.grantLabel}: its {formatCredits(confirm.remaining)} remaining credits are removed for good.
          </p>
        ) : (
          <p>
            Reason: “{confirm.reason}”.{" "}
            {confirm.expiresOn ? `Usable through ${confirm.expiresOn} (UTC).` : "They never expire."}
          </p>
        )}
      </div>
      <Form method="post" action={`${pathname}${search}`} className="mt-4 space-y-3">
        <input type="hidden" name="key" value={confirm.key} />
        {confirm.kind === "void" ? (
          <>
            <input type="hidden" name="grantId" value={confirm.grantId} />
            <div>
              <label htmlFor="void-reason" className="block text-sm font-medium text-slate-800">
                Reason <span className="font-normal text-slate-600">(optional)</span>
              </label>
              <input
                id="void-reason"
                name="reason"
                defaultValue={confirm.reason}
                maxLength={200}
                className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
              />
            </div>
          </>
        ) : (
          <>
            <input type="hidden" name="amount" value={confirm.amount} />
            <input type="hidden" name="reason" value={confirm.reason} />
            {confirm.kind === "grant" ? <input type="hidden" name="expiresOn" value={confirm.expiresOn} /> : null}
          </>
        )}
        <div className="flex flex-wrap items-center gap-4">
          <SubmitButton
            name="intent"
            value={confirm.kind}
            variant={
              confirm.kind === "grant" || (confirm.kind === "adjust" && confirm.amount > 0) ? "primary" : "danger"
            }
            pendingText="Working…"
          >
            {confirm.kind === "void" ? "Yes, void it" : confirm.kind === "grant" ? "Yes, grant them" : "Yes, adjust"}
          </SubmitButton>
          <Link to={`${pathname}${search}`} className={buttonStyles.link}>
            Cancel
          </Link>
        </div>
      </Form>
    </section>
  );
}
