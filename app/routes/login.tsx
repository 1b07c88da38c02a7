import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData } from "@remix-run/react";
import { loginSchema } from "~/auth/fields";
import { rememberDevice } from "~/auth/device.server";
import { loginAuthenticator } from "~/auth/login.server";
import { beginSession, homeOf, redirectLoggedInVisitor, safeRedirect } from "~/auth/session.server";
import { AuthForm } from "~/components/AuthForm";
import { Field, useSchemaForm } from "~/components/forms";
import { TextLink } from "~/components/ui";
import { isAppError } from "~/utils/errors";
import { formErrorResponse, retryAfterHeaders } from "~/utils/forms.server";
import { pageTitle } from "~/components/format";

export const meta: MetaFunction = () => [{ title: pageTitle("Log in") }];

export const loader = (args: LoaderFunctionArgs) => redirectLoggedInVisitor(args);

const NEVER_SENT_BACK = ["password"];

export async function action({ request, context }: ActionFunctionArgs) {
  // The strategy reads the body itself; a clone keeps the form for us.
  const form = await request.clone().formData();
  const submission = parseWithZod(form, { schema: loginSchema });
  if (submission.status !== "success") {
    return data({ result: submission.reply({ hideFields: NEVER_SENT_BACK }) }, { status: 400 });
  }
  try {
    const user = await loginAuthenticator(context).authenticate("form", request);
    const redirectTo = safeRedirect(form.get("redirectTo"), context.env.appUrl, homeOf(user));
    const headers = new Headers();
    headers.append("Set-Cookie", await beginSession(context, request, user, { action: "user.login" }));
    headers.append("Set-Cookie", await rememberDevice(request, context.env, user.id));
    return redirect(redirectTo, { headers });
  } catch (e) {
    if (!isAppError(e)) throw e;
    // "Wrong email or password" is about both fields, so it is shown above the form.
    return formErrorResponse(submission, e, { fields: [], hideFields: NEVER_SENT_BACK });
  }
}

// Document requests only send the headers this function returns; keep Retry-After on a 429.
export const headers = retryAfterHeaders;

export default function Login() {
  const [form, fields] = useSchemaForm(loginSchema, {
    id: "f",
    lastResult: useActionData<typeof action>()?.result,
  });
  return (
    <AuthForm mode="login" form={form}>
      <Field field={fields.email} label="Email" type="email" autoComplete="email" />
      <Field field={fields.password} label="Password" type="password" autoComplete="current-password" />
      <p className="text-sm">
        <TextLink to="/forgot-password">Forgot password?</TextLink>
      </p>
    </AuthForm>
  );
}
