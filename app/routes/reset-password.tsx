import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { clientIpFromRequest } from "~/auth/client-ip.server";
import { MIN_PASSWORD_LENGTH, RESET_LINK_INVALID_MESSAGE, resetPasswordSchema } from "~/auth/fields";
import { findResetTokenUser, resetPassword } from "~/auth/password-reset.server";
import { PageHeader } from "~/components/AppShell";
import { Alert, Field, FormErrors, SubmitButton, useFocusFirstError, useSchemaForm } from "~/components/forms";
import { ButtonLink, TextLink } from "~/components/ui";
import { isAppError } from "~/utils/errors";
import { formErrorResponse } from "~/utils/forms.server";
import { pageTitle } from "~/components/format";
import { setToast, takeToast } from "~/utils/toast.server";

// The address carries the token; the server's Referrer-Policy (strict-origin-when-cross-origin) keeps
// it out of Referer headers to other sites. (A no-referrer meta would also drop Origin from this
// page's own POST, which the cross-origin check then refuses.)
/** The page's three states, each with its own heading (and so its own title). */
const HEADINGS = {
  form: "Choose a new password",
  changed: "Your password is changed",
  expired: "This link no longer works",
} as const;

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: pageTitle(HEADINGS[data?.changed ? "changed" : data?.token ? "form" : "expired"]) },
];

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
const NEVER_SENT_BACK = ["password", "confirm"];

/** The reset link's page: a form when the token is live, else a way to ask for a new one. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const live = TOKEN_RE.test(token) && findResetTokenUser(context, token) !== null;
  // After a reset the action redirects here with a toast, so the page (and its title) says so.
  const { toast, clear } = await takeToast(request, context.env);
  const changed = toast?.tone === "success" && toast.message === CHANGED_TOAST;
  const payload = { token: live ? token : null, changed };
  return clear ? data(payload, { headers: { "Set-Cookie": clear } }) : payload;
}

const CHANGED_TOAST = "password-changed";

export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: resetPasswordSchema });
  if (submission.status !== "success") {
    return data({ result: submission.reply({ hideFields: NEVER_SENT_BACK }) }, { status: 400 });
  }
  try {
    await resetPassword(context, {
      token: submission.value.token,
      password: submission.value.password,
      ip: clientIpFromRequest(request),
    });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return formErrorResponse(submission, e, { fields: [], hideFields: NEVER_SENT_BACK });
  }
  return redirect("/reset-password", {
    headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message: CHANGED_TOAST }) },
  });
}

export default function ResetPassword() {
  const { token, changed } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(resetPasswordSchema, {
    id: "reset",
    lastResult: answer?.result,
  });
  const formRef = useFocusFirstError<HTMLFormElement>(form.errors);

  if (changed) {
    return (
      <div className="mx-auto max-w-md space-y-5">
        <PageHeader title={HEADINGS.changed} />
        <Alert tone="success">
          Your new password is set. Every device that was logged in to your account has been logged out.
        </Alert>
        <ButtonLink to="/login">Log in with your new password</ButtonLink>
      </div>
    );
  }
  if (!token) {
    return (
      <div className="mx-auto max-w-md space-y-5">
        <PageHeader title={HEADINGS.expired} />
        <Alert tone="error">{RESET_LINK_INVALID_MESSAGE}</Alert>
        <p className="text-slate-700">
          <TextLink to="/forgot-password">Ask for a new reset link</TextLink>
        </p>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title={HEADINGS.form}>Logs out every device that is logged in to your account.</PageHeader>
      <Form
        method="post"
        {...getFormProps(form)}
        ref={formRef}
        className="space-y-5 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
      >
        <FormErrors id={form.errorId} errors={form.errors} />
        <input type="hidden" name={fields.token.name} value={token} />
        {fields.token.errors?.length ? <Alert tone="error">{fields.token.errors[0]}</Alert> : null}
        <Field
          field={fields.password}
          label="New password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        />
        <Field field={fields.confirm} label="New password again" type="password" autoComplete="new-password" />
        <SubmitButton className="w-full" pendingText="Saving…">
          Set new password
        </SubmitButton>
      </Form>
    </div>
  );
}
