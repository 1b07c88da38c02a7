import { getFormProps, type FormMetadata } from "@conform-to/react";
import { Form, useSearchParams } from "@remix-run/react";
import type { ReactNode } from "react";
import { PageHeader } from "./AppShell";
import { FormErrors, SubmitButton, useFocusFirstError } from "./forms";
import { TextLink } from "./ui";

/** The words of each page; everything else about the two forms is the same. */
const MODES = {
  login: {
    title: "Log in",
    switchPrompt: "New here?",
    switchLabel: "Create an account",
    switchTo: "/signup",
    submitLabel: "Log in",
    pendingText: "Logging in…",
  },
  signup: {
    title: "Create your account",
    switchPrompt: "Already have one?",
    switchLabel: "Log in",
    switchTo: "/login",
    submitLabel: "Create account",
    pendingText: "Creating your account…",
  },
} as const;

/**
 * The login and signup pages: heading with a link to the other one (keeping `redirectTo`), the
 * form-level error, the hidden `redirectTo` and the submit button around the page's fields. The
 * page owns its Conform form (`useForm`); this is a plain POST form, so it works without JavaScript.
 */
export function AuthForm({
  mode,
  form,
  children,
}: {
  mode: keyof typeof MODES;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  form: FormMetadata<any, string[]>;
  children: ReactNode;
}) {
  const text = MODES[mode];
  const formRef = useFocusFirstError<HTMLFormElement>(form.errors);
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const switchHref = redirectTo ? `${text.switchTo}?${new URLSearchParams({ redirectTo })}` : text.switchTo;
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title={text.title}>
        {text.switchPrompt} <TextLink to={switchHref}>{text.switchLabel}</TextLink>
      </PageHeader>
      <Form
        method="post"
        {...getFormProps(form)}
        ref={formRef}
        className="space-y-5 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
      >
        <FormErrors id={form.errorId} errors={form.errors} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        {children}
        <SubmitButton className="w-full" pendingText={text.pendingText}>
          {text.submitLabel}
        </SubmitButton>
      </Form>
    </div>
  );
}
