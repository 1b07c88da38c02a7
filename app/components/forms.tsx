import { getInputProps, getSelectProps, useForm, type FieldMetadata, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { Link, useLocation, useNavigation } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";
import type { z } from "zod";

/*
 * The one way to build a page form (docs/decisions/007-forms.md): `useSchemaForm` (Conform's `useForm`) with one zod
 * schema per form, parsed on the server with `parseWithZod` and answered with `submission.reply()`,
 * and validated on the client with the same schema when JavaScript runs. Conform gives each field
 * its id, error id and aria wiring; the pieces below add the label, hint and error text.
 */

/**
 * A page form's Conform setup, the same for every form: the schema's constraints on the inputs,
 * validation in the browser on submit and then as the person types, and the action's
 * `submission.reply()` (`lastResult`) for what only the server can say.
 */
export function useSchemaForm<Schema extends z.ZodTypeAny>(
  schema: Schema,
  options: {
    id: string;
    lastResult?: SubmissionResult<string[]> | null;
    defaultValue?: Record<string, unknown>;
  },
) {
  return useForm<z.input<Schema>, z.output<Schema>>({
    ...options,
    defaultValue: options.defaultValue as never,
    constraint: getZodConstraint(schema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
    shouldValidate: "onSubmit",
    shouldRevalidate: "onInput",
  });
}

/** Any field of any Conform form (the schema's type does not matter to how it is drawn). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = FieldMetadata<any, any, string[]>;

const inputBase =
  "mt-1 block w-full rounded-md border bg-white px-3 py-2 text-slate-900 shadow-sm placeholder:text-slate-400 " +
  "focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-1 disabled:bg-slate-100";

const inputClass = (field: AnyField) => `${inputBase} ${field.errors?.length ? "border-red-500" : "border-slate-300"}`;

/** Errors of a field, as Conform reports them: shown all at once, in the person's words. */
export function FieldError({ id, errors }: { id: string; errors: string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <div id={id} className="mt-1 text-sm font-medium text-red-700">
      {errors.map((e) => (
        <p key={e}>{e}</p>
      ))}
    </div>
  );
}

/** Label above, hint and errors below: the frame of every labelled control. */
function FieldFrame({
  field,
  label,
  hint,
  optional,
  className,
  children,
}: {
  field: AnyField;
  label: string;
  hint?: ReactNode;
  optional?: boolean;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={className}>
      <label htmlFor={field.id} className="block text-sm font-medium text-slate-800">
        {label}
        {optional ? <span className="font-normal text-slate-500"> (optional)</span> : null}
      </label>
      {children}
      {hint ? (
        <p id={field.descriptionId} className="mt-1 text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      <FieldError id={field.errorId} errors={field.errors} />
    </div>
  );
}

interface FieldProps {
  field: AnyField;
  label: string;
  type?: "text" | "number" | "date" | "email" | "password" | "search";
  hint?: ReactNode;
  optional?: boolean;
  className?: string;
  inputMode?: "numeric" | "decimal" | "text";
  placeholder?: string;
  autoComplete?: string;
}

/**
 * A labelled input whose hint and errors are wired to it (aria-describedby), marked aria-invalid
 * when an error is shown, so screen readers announce both.
 */
export function Field({ field, label, type = "text", hint, optional, className, ...input }: FieldProps) {
  const props = getInputProps(field, { type, ariaDescribedBy: hint ? field.descriptionId : undefined });
  return (
    <FieldFrame field={field} label={label} hint={hint} optional={optional} className={className}>
      <input {...props} key={props.key} {...input} className={inputClass(field)} />
    </FieldFrame>
  );
}

/** A labelled <select>, wired like Field. */
export function SelectField({
  field,
  label,
  options,
  hint,
  className,
}: {
  field: AnyField;
  label: string;
  options: { value: string; label: string }[];
  hint?: ReactNode;
  className?: string;
}) {
  const props = getSelectProps(field, { ariaDescribedBy: hint ? field.descriptionId : undefined });
  return (
    <FieldFrame field={field} label={label} hint={hint} className={className}>
      <select {...props} key={props.key} className={inputClass(field)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

/** A checkbox with its label beside it (checked sends "on"; the schema reads it as a boolean). */
export function CheckboxField({ field, children }: { field: AnyField; children: ReactNode }) {
  const props = getInputProps(field, { type: "checkbox" });
  return (
    <label className="flex items-start gap-2 text-sm text-slate-800">
      <input
        {...props}
        key={props.key}
        className="mt-0.5 h-4 w-4 shrink-0 rounded border-slate-300 text-indigo-600 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
      />
      <span>{children}</span>
    </label>
  );
}

/** The form-level errors (not about one field), e.g. "not enough credits". */
export function FormErrors({ id, errors }: { id: string; errors: string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <div
      id={id}
      role="alert"
      tabIndex={-1}
      data-form-alert=""
      className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800"
    >
      {errors.map((e) => (
        <p key={e}>{e}</p>
      ))}
    </div>
  );
}

/**
 * Moves focus to the form's alert after a failed submission that is not about one field (Conform
 * focuses an invalid field itself), so keyboard and screen-reader users land on the problem.
 * `trigger` changes with every answer (pass the action data).
 */
export function useFocusFirstError<T extends HTMLElement>(trigger: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (!trigger || !ref.current) return;
    const target = ref.current.querySelector<HTMLElement>('[aria-invalid="true"], [data-form-alert]');
    target?.focus();
  }, [trigger]);
  return ref;
}

export function Alert({ tone = "error", children }: { tone?: "error" | "success" | "info"; children: ReactNode }) {
  const tones = {
    error: "border-red-300 bg-red-50 text-red-800",
    success: "border-emerald-300 bg-emerald-50 text-emerald-800",
    info: "border-sky-300 bg-sky-50 text-sky-800",
  };
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      tabIndex={-1}
      data-form-alert={tone === "error" ? "" : undefined}
      className={`rounded-md border px-4 py-3 text-sm ${tones[tone]}`}
    >
      {children}
    </div>
  );
}

const focusRing =
  "focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

export const buttonStyles = {
  primary:
    "inline-flex items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm " +
    `hover:bg-indigo-700 ${focusRing} disabled:cursor-not-allowed disabled:opacity-60`,
  secondary:
    "inline-flex items-center justify-center rounded-md bg-white px-4 py-2 text-sm font-semibold text-slate-900 shadow-sm " +
    `ring-1 ring-inset ring-slate-300 hover:bg-slate-50 ${focusRing} disabled:cursor-not-allowed disabled:opacity-60`,
  danger:
    "inline-flex items-center justify-center rounded-md bg-white px-4 py-2 text-sm font-semibold text-red-700 shadow-sm " +
    `ring-1 ring-inset ring-red-300 hover:bg-red-50 ${focusRing} disabled:cursor-not-allowed disabled:opacity-60`,
  /** Looks like a link; for quick actions inside table rows. */
  link:
    "inline-flex items-center rounded-sm text-sm font-medium text-indigo-700 underline-offset-4 hover:underline " +
    `${focusRing} disabled:cursor-not-allowed disabled:opacity-60`,
} as const;

/**
 * A submit button that shows `pendingText` while its form's submission is in flight (with JS;
 * without JS the browser's own loading indicator does the job). `formAction` names the path the
 * form posts to when it is not the current page.
 */
export function SubmitButton({
  children,
  pendingText,
  formAction,
  variant = "primary",
  className = "",
  name,
  value,
}: {
  children: ReactNode;
  pendingText?: string;
  formAction?: string;
  variant?: keyof typeof buttonStyles;
  className?: string;
  name?: string;
  value?: string;
}) {
  const navigation = useNavigation();
  const location = useLocation();
  const target = formAction ?? location.pathname;
  const pending =
    navigation.state === "submitting" &&
    new URL(navigation.formAction ?? "", "http://x").pathname === target &&
    (name === undefined || navigation.formData?.get(name) === value);
  return (
    <button
      type="submit"
      name={name}
      value={value}
      disabled={pending}
      aria-disabled={pending || undefined}
      className={`${buttonStyles[variant]} ${className}`}
    >
      {pending && pendingText ? pendingText : children}
    </button>
  );
}

/** The submit button(s) of a form, with a quiet way back. */
export function FormActions({
  cancelTo,
  cancelLabel,
  children,
}: {
  cancelTo: string;
  cancelLabel: string;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-center gap-4">
      {children}
      <Link to={cancelTo} className={buttonStyles.link}>
        {cancelLabel}
      </Link>
    </div>
  );
}
