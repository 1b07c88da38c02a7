import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { formFailureFrom, formValues } from "~/auth/forms.server";
import { beginSession, getOptionalUser, safeRedirect } from "~/auth/session.server";
import { MIN_PASSWORD_LENGTH, SIGNUP_FIELDS } from "~/auth/fields";
import { signUp } from "~/auth/signup.server";
import { PageHeader } from "~/components/AppShell";
import { Alert, Field, SubmitButton, firstErrorField, useFocusFirstError } from "~/components/forms";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Sign up — Credits" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getOptionalUser(request, context)) {
    throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  }
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    const user = await signUp(context, form);
    const cookie = await beginSession(context, request, user, { action: "user.signup", details: { email: user.email } });
    return redirect(safeRedirect(form.get("redirectTo")), { headers: { "Set-Cookie": cookie } });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data(
      { ...formFailureFrom(e), values: formValues(form, ["email", "name"]) },
      { status: httpStatusFor(e.code) },
    );
  }
}

export default function Signup() {
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const errors = result?.fieldErrors;
  const first = firstErrorField(SIGNUP_FIELDS, errors);
  const formRef = useFocusFirstError<HTMLFormElement>(result);
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title="Create your account">
        Already have one?{" "}
        <Link className="text-indigo-700 underline" to={`/login${redirectTo ? `?redirectTo=${encodeURIComponent(redirectTo)}` : ""}`}>
          Log in
        </Link>
      </PageHeader>
      <Form method="post" ref={formRef} noValidate className="space-y-5 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        {result?.formError ? <Alert>{result.formError}</Alert> : null}
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values.email}
          error={errors?.email}
          autoFocus={first === "email"}
        />
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          required
          defaultValue={result?.values.name}
          error={errors?.name}
          autoFocus={first === "name"}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          error={errors?.password}
          autoFocus={first === "password"}
        />
        <SubmitButton className="w-full" pendingText="Creating your account…">
          Create account
        </SubmitButton>
      </Form>
    </div>
  );
}
