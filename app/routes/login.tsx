import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useActionData } from "@remix-run/react";
import { formFailureFrom } from "~/auth/forms.server";
import { loginAuthenticator } from "~/auth/login.server";
import { beginSession, safeRedirect } from "~/auth/session.server";
import { AuthForm } from "~/components/AuthForm";
import { redirectLoggedInVisitor } from "~/components/AuthForm.server";
import { Field } from "~/components/forms";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Log in — Credits" }];

export const loader = (args: LoaderFunctionArgs) => redirectLoggedInVisitor(args);

export async function action({ request, context }: ActionFunctionArgs) {
  // The strategy reads the body itself; a clone keeps redirectTo and the email for us.
  const form = await request.clone().formData();
  const redirectTo = safeRedirect(form.get("redirectTo"), context.env.appUrl);
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
  return (
    <AuthForm mode="login" result={useActionData<typeof action>()}>
      {(field) => (
        <>
          <Field label="Email" type="email" autoComplete="email" required {...field("email")} />
          <Field label="Password" type="password" autoComplete="current-password" required {...field("password")} />
        </>
      )}
    </AuthForm>
  );
}
