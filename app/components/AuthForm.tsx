import { Form, useSearchParams } from "@remix-run/react";
import type { ReactNode } from "react";
import { LOGIN_FIELDS, SIGNUP_FIELDS } from "~/auth/fields";
import { PageHeader } from "./AppShell";
import { Alert, SubmitButton, useFormFeedback, type FormFeedback } from "./forms";
import { TextLink } from "./ui";

/** The words and fields of each page; everything else about the two forms is the same. */
const MODES = {
  login: {
    fields: LOGIN_FIELDS,
    title: "Log in",
    switchPrompt: "New here?",
    switchLabel: "Create an account",
    switchTo: "/signup",
    submitLabel: "Log in",
    pendingText: "Logging in…",
  },
  signup: {
    fields: SIGNUP_FIELDS,
    title: "Create your account",
    switchPrompt: "Already have one?",
    switchLabel: "Log in",
    switchTo: "/login",
    submitLabel: "Create account",
    pendingText: "Creating your account…",
  },
} as const;

type FieldProps = ReturnType<typeof useFormFeedback>["field"];

/**
 * The login and signup pages: heading with a link to the other one (keeping `redirectTo`), the
 * form-level error, the hidden `redirectTo` and the submit button. The page gives its inputs,
 * spreading `field(name)` into each. A plain POST form, so it works without JavaScript.
 */
export function AuthForm({
  mode,
  result,
  children,
}: {
  mode: keyof typeof MODES;
  result: FormFeedback | undefined;
  children: (field: FieldProps) => ReactNode;
}) {
  const text = MODES[mode];
  const { formRef, field, formError } = useFormFeedback(result, text.fields);
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const switchHref = redirectTo ? `${text.switchTo}?${new URLSearchParams({ redirectTo })}` : text.switchTo;
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title={text.title}>
        {text.switchPrompt} <TextLink to={switchHref}>{text.switchLabel}</TextLink>
      </PageHeader>
      <Form method="post" ref={formRef} noValidate className="space-y-5 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        {formError ? <Alert>{formError}</Alert> : null}
        <input type="hidden" name="redirectTo" value={redirectTo} />
        {children(field)}
        <SubmitButton className="w-full" pendingText={text.pendingText}>
          {text.submitLabel}
        </SubmitButton>
      </Form>
    </div>
  );
}
