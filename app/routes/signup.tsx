import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useActionData } from "@remix-run/react";
import { formFailureFrom, formValues } from "~/auth/forms.server";
import { beginSession, safeRedirect } from "~/auth/session.server";
import { MIN_PASSWORD_LENGTH } from "~/auth/fields";
import { signUp } from "~/auth/signup.server";
import { AuthForm } from "~/components/AuthForm";
import { redirectLoggedInVisitor } from "~/components/AuthForm.server";
import { Field } from "~/components/forms";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Sign up — Credits" }];

export const loader = (args: LoaderFunctionArgs) => redirectLoggedInVisitor(args);

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    const user = await signUp(context, form, request);
    const cookie = await beginSession(context, request, user, {
      action: "user.signup",
      details: { email: user.email },
    });
    return redirect(safeRedirect(form.get("redirectTo"), context.env.appUrl), { headers: { "Set-Cookie": cookie } });
  } catch (e) {
    if (!isAppError(e)) throw e;
    const retryAfter = e.extra?.retryAfterSeconds;
    return data(
      { ...formFailureFrom(e), values: formValues(form, ["email", "name"]) },
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

export default function Signup() {
  return (
    <AuthForm mode="signup" result={useActionData<typeof action>()}>
      {(field) => (
        <>
          <Field label="Email" type="email" autoComplete="email" required {...field("email")} />
          <Field label="Name" autoComplete="name" required {...field("name")} />
          <Field
            label="Password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
            {...field("password")}
          />
        </>
      )}
    </AuthForm>
  );
}
