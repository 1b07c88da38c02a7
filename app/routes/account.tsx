import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { clientIpFromRequest } from "~/auth/client-ip.server";
import { changePasswordSchema, MIN_PASSWORD_LENGTH } from "~/auth/fields";
import { changePassword } from "~/auth/password-reset.server";
import { readSessionToken, requireUser } from "~/auth/session.server";
import { Card, PageHeader } from "~/components/AppShell";
import {
  Alert,
  CheckboxField,
  Field,
  FormErrors,
  SubmitButton,
  useFocusFirstError,
  useSchemaForm,
} from "~/components/forms";
import { LowBalanceCard } from "~/components/LowBalanceAlert";
import { TextLink } from "~/components/ui";
import { OPTIONAL_KINDS } from "~/mail/kinds";
import { optedOutKinds, setOptOuts } from "~/mail/index.server";
import { httpStatusFor, isAppError } from "~/utils/errors";
import { replyWithError } from "~/utils/forms.server";
import { pageTitle } from "~/components/format";
import { lowBalanceView, saveLowBalanceAlert } from "~/pages/account.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Your account") }];

const passwordForm = changePasswordSchema;
/** One checkbox per optional kind: checked = send it. */
const notificationsForm = z.object(
  Object.fromEntries(OPTIONAL_KINDS.map((k) => [k.kind, z.boolean().optional()])) as Record<
    (typeof OPTIONAL_KINDS)[number]["kind"],
    z.ZodOptional<z.ZodBoolean>
  >,
);
const intentSchema = z.object({ intent: z.enum(["password", "notifications", "low-balance"]) });
const PASSWORD_FIELDS = ["currentPassword", "newPassword", "confirm"];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const { toast, clear } = await takeToast(request, context.env);
  return data(
    {
      email: user.email,
      name: user.name,
      optedOut: optedOutKinds(context.db, user.id),
      lowBalance: lowBalanceView(context, user.id),
      toast,
    },
    clear ? { headers: { "Set-Cookie": clear } } : undefined,
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const form = await request.formData();
  const intent = intentSchema.safeParse({ intent: form.get("intent") });
  if (!intent.success) throw new Response("That action is not available.", { status: 400 });

  if (intent.data.intent === "low-balance") {
    const answer = saveLowBalanceAlert(context, user.id, form);
    if ("reply" in answer) return data(answer.reply, { status: answer.status });
    const toast = await setToast(context.env, { tone: "success", message: answer.done });
    return redirect("/account", { headers: { "Set-Cookie": toast } });
  }

  if (intent.data.intent === "notifications") {
    const submission = parseWithZod(form, { schema: notificationsForm });
    if (submission.status !== "success") {
      return data({ intent: "notifications" as const, result: submission.reply(), message: null }, { status: 400 });
    }
    const off = OPTIONAL_KINDS.filter((k) => !submission.value[k.kind]).map((k) => k.kind);
    setOptOuts(context, user.id, off);
    return {
      intent: "notifications" as const,
      result: submission.reply(),
      message: "Your notification settings are saved.",
    };
  }

  const submission = parseWithZod(form, { schema: passwordForm });
  if (submission.status !== "success") {
    return data(
      { intent: "password" as const, result: submission.reply({ hideFields: PASSWORD_FIELDS }), message: null },
      { status: 400 },
    );
  }
  try {
    const { sessionsRevoked } = await changePassword(context, {
      userId: user.id,
      currentPassword: submission.value.currentPassword,
      newPassword: submission.value.newPassword,
      keepSessionToken: await readSessionToken(request, context.env),
      ip: clientIpFromRequest(request),
    });
    const others =
      sessionsRevoked === 0
        ? "No other device was logged in."
        : `${sessionsRevoked} other device${sessionsRevoked === 1 ? " was" : "s were"} logged out.`;
    return {
      intent: "password" as const,
      result: submission.reply({ resetForm: true }),
      message: `Your password is changed. ${others}`,
    };
  } catch (e) {
    if (!isAppError(e)) throw e;
    const retryAfter = e.extra?.retryAfterSeconds;
    return data(
      {
        intent: "password" as const,
        result: replyWithError(submission, e, { fields: PASSWORD_FIELDS, hideFields: PASSWORD_FIELDS }),
        message: null,
      },
      {
        status: httpStatusFor(e.code),
        headers: typeof retryAfter === "number" ? { "Retry-After": String(retryAfter) } : undefined,
      },
    );
  }
}

export default function Account() {
  const { email, name, optedOut, lowBalance, toast } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [pwForm, pw] = useSchemaForm(passwordForm, {
    id: "password",
    lastResult: answer?.intent === "password" ? answer.result : undefined,
  });
  const [nForm, n] = useForm({
    id: "notifications",
    lastResult: answer?.intent === "notifications" ? answer.result : undefined,
    defaultValue: Object.fromEntries(OPTIONAL_KINDS.map((k) => [k.kind, optedOut.includes(k.kind) ? undefined : "on"])),
  });
  const pwRef = useFocusFirstError<HTMLFormElement>(pwForm.errors);
  const message = (intent: "password" | "notifications") =>
    answer?.intent === intent && answer.message ? <Alert tone="success">{answer.message}</Alert> : null;

  return (
    <div className="space-y-6">
      <PageHeader title="Your account">
        {name ? `${name} · ` : ""}
        {email}
      </PageHeader>
      {toast && !answer ? <Alert tone={toast.tone === "error" ? "error" : "success"}>{toast.message}</Alert> : null}
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Change password">
          <Form method="post" {...getFormProps(pwForm)} ref={pwRef} className="space-y-4">
            <input type="hidden" name="intent" value="password" />
            {message("password")}
            <FormErrors id={pwForm.errorId} errors={pwForm.errors} />
            <Field
              field={pw.currentPassword}
              label="Current password"
              type="password"
              autoComplete="current-password"
              hint={
                <>
                  Forgot it? <TextLink to="/forgot-password">Reset it by email</TextLink> instead.
                </>
              }
            />
            <Field
              field={pw.newPassword}
              label="New password"
              type="password"
              autoComplete="new-password"
              hint={`At least ${MIN_PASSWORD_LENGTH} characters. Every other device logged in to your account is logged out.`}
            />
            <Field field={pw.confirm} label="New password again" type="password" autoComplete="new-password" />
            <SubmitButton name="intent" value="password" pendingText="Changing…">
              Change password
            </SubmitButton>
          </Form>
        </Card>
        <Card title="Email notifications">
          <Form method="post" {...getFormProps(nForm)} className="space-y-4">
            <input type="hidden" name="intent" value="notifications" />
            {message("notifications")}
            <FormErrors id={nForm.errorId} errors={nForm.errors} />
            <fieldset className="space-y-3">
              <legend className="mb-2 text-sm text-slate-700">Email me about:</legend>
              {OPTIONAL_KINDS.map((k) => (
                <CheckboxField key={k.kind} field={n[k.kind]}>
                  <span className="font-medium">{k.label}</span>
                  <span className="block text-slate-600">{k.hint}</span>
                </CheckboxField>
              ))}
            </fieldset>
            <p className="text-sm text-slate-600">
              Password reset emails are always sent: they are how you get back into your account.
            </p>
            <SubmitButton name="intent" value="notifications" pendingText="Saving…" variant="secondary">
              Save notification settings
            </SubmitButton>
          </Form>
        </Card>
      </div>
      <LowBalanceCard
        alert={lowBalance}
        lastResult={answer?.intent === "low-balance" ? (answer.result as SubmissionResult<string[]>) : undefined}
      />
    </div>
  );
}
