import { useLocation, useNavigation } from "@remix-run/react";
import { useEffect, useRef, type InputHTMLAttributes, type ReactNode } from "react";

export type FieldErrors = Partial<Record<string, string>>;

const inputBase =
  "mt-1 block w-full rounded-md border bg-white px-3 py-2 text-slate-900 shadow-sm placeholder:text-slate-400 " +
  "focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-1 disabled:bg-slate-100";

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
  const id = `${idPrefix}-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
        {input.required ? null : <span className="font-normal text-slate-500"> (optional)</span>}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className={`${inputBase} ${error ? "border-red-500" : "border-slate-300"}`}
        {...input}
      />
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

export const buttonStyles = {
  primary:
    "inline-flex items-center justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm " +
    "hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 " +
    "focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-60",
  secondary:
    "inline-flex items-center justify-center rounded-md bg-white px-4 py-2 text-sm font-semibold text-slate-900 shadow-sm " +
    "ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 " +
    "focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60",
  link: "text-sm font-medium text-slate-700 underline-offset-4 hover:text-slate-900 hover:underline",
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
