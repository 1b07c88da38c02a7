import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData } from "@remix-run/react";
import { MIN_PASSWORD_LENGTH, signupSchema } from "~/auth/fields";
import { rememberDevice } from "~/auth/device.server";
import { beginSession, redirectLoggedInVisitor, safeRedirect } from "~/auth/session.server";
import { signUp } from "~/auth/signup.server";
import { AuthForm } from "~/components/AuthForm";
import { Field, useSchemaForm } from "~/components/forms";
import { isAppError } from "~/utils/errors";
import { formErrorResponse, retryAfterHeaders } from "~/utils/forms.server";
import { pageTitle } from "~/components/format";

export const meta: MetaFunction = () => [{ title: pageTitle("Sign up") }];

export const loader = (args: LoaderFunctionArgs) => redirectLoggedInVisitor(args);

const NEVER_SENT_BACK = ["password"];

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const submission = parseWithZod(form, { schema: signupSchema });
  if (submission.status !== "success") {
    return data({ result: submission.reply({ hideFields: NEVER_SENT_BACK }) }, { status: 400 });
  }
  try {
    const user = await signUp(context, submission.value, request);
    const headers = new Headers();
    headers.append(
      "Set-Cookie",
      await beginSession(context, request, user, { action: "user.signup", details: { email: user.email } }),
    );
    headers.append("Set-Cookie", await rememberDevice(request, context.env, user.id));
    return redirect(safeRedirect(form.get("redirectTo"), context.env.appUrl), { headers });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return formErrorResponse(submission, e, { fields: ["email", "name", "password"], hideFields: NEVER_SENT_BACK });
  }
}

// Document requests only send the headers this function returns; keep Retry-After on a 429.
export const headers = retryAfterHeaders;

export default function Signup() {
  const [form, fields] = useSchemaForm(signupSchema, {
    id: "f",
    lastResult: useActionData<typeof action>()?.result,
  });
  return (
    <AuthForm mode="signup" form={form}>
      <Field field={fields.email} label="Email" type="email" autoComplete="email" />
      <Field field={fields.name} label="Name" autoComplete="name" />
      <Field
        field={fields.password}
        label="Password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
      />
    </AuthForm>
  );
}
