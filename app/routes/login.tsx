import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useSearchParams } from "@remix-run/react";
import { formFailureFrom } from "~/auth/forms.server";
import { LOGIN_FIELDS } from "~/auth/fields";
import { loginAuthenticator } from "~/auth/login.server";
import { beginSession, getOptionalUser, safeRedirect } from "~/auth/session.server";
import { PageHeader } from "~/components/AppShell";
import { Alert, Field, SubmitButton, firstErrorField, useFocusFirstError } from "~/components/forms";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Log in — Credits" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getOptionalUser(request, context)) {
    throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  }
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  // The strategy reads the body itself; a clone keeps redirectTo and the email for us.
  const form = await request.clone().formData();
  const redirectTo = safeRedirect(form.get("redirectTo"));
  try {
    const user = await loginAuthenticator(context).authenticate("form", request);
    const cookie = await beginSession(context, request, user, { action: "user.login" });
    return redirect(redirectTo, { headers: { "Set-Cookie": cookie } });
  } catch (e) {
    if (!isAppError(e)) throw e;
    const retryAfter = e.extra?.retryAfterSeconds;
    const email = form.get("email");
    return data(
      { ...formFailureFrom(e), values: { email: typeof email === "string" ? email : "" } },
      {
        status: httpStatusFor(e.code),
        headers: typeof retryAfter === "number" ? { "Retry-After": String(retryAfter) } : undefined,
      },
    );
  }
}

// Document requests only send the headers this function returns; keep Retry-After on a 429.
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

export default function Login() {
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const errors = result?.fieldErrors;
  const first = firstErrorField(LOGIN_FIELDS, errors);
  const formRef = useFocusFirstError<HTMLFormElement>(result);
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title="Log in">
        New here?{" "}
        <Link className="text-indigo-700 underline" to={`/signup${redirectTo ? `?redirectTo=${encodeURIComponent(redirectTo)}` : ""}`}>
          Create an account
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
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={errors?.password}
          autoFocus={first === "password"}
        />
        <SubmitButton className="w-full" pendingText="Logging in…">
          Log in
        </SubmitButton>
      </Form>
    </div>
  );
}
