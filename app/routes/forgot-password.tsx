import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { clientIpFromRequest } from "~/auth/client-ip.server";
import { forgotPasswordSchema, RESET_REQUESTED_MESSAGE } from "~/auth/fields";
import { requestPasswordReset } from "~/auth/password-reset.server";
import { PageHeader } from "~/components/AppShell";
import { Alert, Field, FormErrors, SubmitButton, useFocusFirstError, useSchemaForm } from "~/components/forms";
import { TextLink } from "~/components/ui";
import { isAppError } from "~/utils/errors";
import { formErrorResponse, retryAfterHeaders } from "~/utils/forms.server";
import { pageTitle } from "~/components/format";

export const meta: MetaFunction = () => [{ title: pageTitle("Forgot your password?") }];

/**
 * "Forgot password?": the same answer whether or not the address has an account (nothing here
 * tells a stranger who is a customer); throttled per address and per IP.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: forgotPasswordSchema });
  if (submission.status !== "success") {
    return data({ result: submission.reply(), sent: false }, { status: 400 });
  }
  try {
    requestPasswordReset(context, { email: submission.value.email, ip: clientIpFromRequest(request) });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return formErrorResponse(submission, e, { fields: [] });
  }
  return { result: submission.reply({ resetForm: true }), sent: true };
}

// Document requests only send the headers this function returns; keep Retry-After on a 429.
export const headers = retryAfterHeaders;

export default function ForgotPassword() {
  const answer = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(forgotPasswordSchema, {
    id: "forgot",
    lastResult: answer?.result,
  });
  const formRef = useFocusFirstError<HTMLFormElement>(form.errors);
  const sent = answer && "sent" in answer && answer.sent;
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title="Forgot your password?">
        Remembered it? <TextLink to="/login">Log in</TextLink>
      </PageHeader>
      <Form
        method="post"
        {...getFormProps(form)}
        ref={formRef}
        className="space-y-5 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
      >
        {sent ? <Alert tone="success">{RESET_REQUESTED_MESSAGE}</Alert> : null}
        <FormErrors id={form.errorId} errors={form.errors} />
        <p className="text-sm text-slate-700">
          Enter the email address of your account. We will send you a link to choose a new password.
        </p>
        <Field field={fields.email} label="Email" type="email" autoComplete="email" />
        <SubmitButton className="w-full" pendingText="Sending…">
          Send me a reset link
        </SubmitButton>
      </Form>
    </div>
  );
}
