import { Link, useLocation, useNavigation } from "@remix-run/react";
import { useEffect, useRef, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";

export type FieldErrors = Partial<Record<string, string>>;

const inputBase =
  "mt-1 block w-full rounded-md border bg-white px-3 py-2 text-slate-900 shadow-sm placeholder:text-slate-400 " +
  "focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-1 disabled:bg-slate-100";

/** Ids that tie a control to its hint and error (aria-describedby), shared by every field kind. */
function fieldIds(idPrefix: string, name: string, hint: unknown, error: string | undefined) {
  const id = `${idPrefix}-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return { id, hintId, errorId, describedBy: [hintId, errorId].filter(Boolean).join(" ") || undefined };
}

/** The attributes every control shares: id, name, invalid state and what describes it. */
function controlProps(ids: ReturnType<typeof fieldIds>, name: string, error: string | undefined) {
  return {
    id: ids.id,
    name,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": ids.describedBy,
    className: `${inputBase} ${error ? "border-red-500" : "border-slate-300"}`,
  };
}

/** Label above, hint and error below: the frame of every labelled control. */
function FieldFrame({
  id,
  label,
  required,
  hint,
  hintId,
  error,
  errorId,
  className,
  children,
}: {
  id: string;
  label: string;
  required?: boolean;
  hint?: ReactNode;
  hintId?: string;
  error?: string;
  errorId?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
        {required ? null : <span className="font-normal text-slate-500"> (optional)</span>}
      </label>
      {children}
      {hint ? (
        <p id={hintId} className="mt-1 text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="mt-1 text-sm font-medium text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name"> {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
  /** Needed only when two forms on one page have a field with the same name. */
  idPrefix?: string;
}

/**
 * A labelled input whose hint and error are wired to it (aria-describedby), marked aria-invalid
 * when its error is shown, so screen readers announce both.
 */
export function Field({ label, name, error, hint, idPrefix = "f", className, ...input }: FieldProps) {
  const ids = fieldIds(idPrefix, name, hint, error);
  return (
    <FieldFrame {...ids} label={label} required={input.required} hint={hint} error={error} className={className}>
      <input {...controlProps(ids, name, error)} {...input} />
    </FieldFrame>
  );
}

interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, "id" | "name"> {
  label: string;
  name: string;
  options: { value: string; label: string }[];
  error?: string;
  hint?: ReactNode;
  idPrefix?: string;
}

/** A labelled <select>, wired like Field. */
export function SelectField({ label, name, options, error, hint, idPrefix = "f", className, ...select }: SelectFieldProps) {
  const ids = fieldIds(idPrefix, name, hint, error);
  return (
    <FieldFrame {...ids} label={label} required hint={hint} error={error} className={className}>
      <select {...controlProps(ids, name, error)} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

/** A checkbox with its label beside it (checked sends "on"). */
export function CheckboxField({ name, defaultChecked, children }: { name: string; defaultChecked?: boolean; children: ReactNode }) {
  return (
    <label className="flex items-start gap-2 text-sm text-slate-800">
      <input
        type="checkbox"
        name={name}
        defaultChecked={defaultChecked}
        className="mt-0.5 h-4 w-4 shrink-0 rounded border-slate-300 text-indigo-600 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
      />
      <span>{children}</span>
    </label>
  );
}

/** The name of the first field (in form order) that has an error, for autoFocus without JS. */
export function firstErrorField(fields: string[], errors: FieldErrors | undefined): string | undefined {
  return errors ? fields.find((f) => errors[f]) : undefined;
}

/**
 * Moves focus to the first invalid field after a failed submission (or to the form's alert when
 * the error is not about one field), so keyboard and screen-reader users land on the problem.
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

/** What an action answers when a form fails: errors per field, a form-level message, the values to refill. */
export interface FormFeedback {
  fieldErrors?: FieldErrors;
  formError?: string | null;
  values?: Record<string, string> | null;
}

/**
 * Everything a form page needs to show a failed submission: `field(name)` gives a Field its
 * name, error, refilled value (else `defaults`) and autofocus (the first invalid field, which
 * also works without JavaScript); `formRef` moves focus there after a client-side submission.
 */
export function useFormFeedback(result: FormFeedback | undefined, fields: readonly string[], defaults: Record<string, string> = {}) {
  const errors = result?.fieldErrors;
  const first = firstErrorField([...fields], errors);
  const formRef = useFocusFirstError<HTMLFormElement>(result);
  const values = result?.values ?? {};
  const field = (name: string) => ({
    name,
    error: errors?.[name],
    autoFocus: first === name,
    defaultValue: values[name] ?? defaults[name],
  });
  return { formRef, field, formError: result?.formError ?? null, errors };
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
    `hover:bg-indigo-500 ${focusRing} disabled:cursor-not-allowed disabled:opacity-60`,
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
export function FormActions({ cancelTo, cancelLabel, children }: { cancelTo: string; cancelLabel: string; children: ReactNode }) {
  return (
    <div className="flex flex-wrap items-center gap-4">
      {children}
      <Link to={cancelTo} className={buttonStyles.link}>
        {cancelLabel}
      </Link>
    </div>
  );
}
