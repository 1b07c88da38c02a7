import { getInputProps, type FieldMetadata } from "@conform-to/react";
import type { ReactNode } from "react";

/*
 * Fields for Conform forms (one zod schema per form, validated on the server and, with JavaScript,
 * on the client). Conform gives each field its id, error id and aria wiring; these add the label,
 * hint and error text in the same look as ./forms.tsx.
 */

const inputBase =
  "mt-1 block w-full rounded-md border bg-white px-3 py-2 text-slate-900 shadow-sm placeholder:text-slate-400 " +
  "focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-1";

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

export function ConformField({
  field,
  label,
  type = "text",
  hint,
  optional,
  className,
  inputMode,
  placeholder,
}: {
  field: FieldMetadata<unknown, Record<string, unknown>, string[]>;
  label: string;
  type?: "text" | "date" | "email" | "search";
  hint?: ReactNode;
  optional?: boolean;
  className?: string;
  inputMode?: "numeric" | "text";
  placeholder?: string;
}) {
  const invalid = Boolean(field.errors?.length);
  const props = getInputProps(field, { type, ariaDescribedBy: hint ? field.descriptionId : undefined });
  return (
    <div className={className}>
      <label htmlFor={field.id} className="block text-sm font-medium text-slate-800">
        {label}
        {optional ? <span className="font-normal text-slate-500"> (optional)</span> : null}
      </label>
      <input
        {...props}
        key={props.key}
        inputMode={inputMode}
        placeholder={placeholder}
        className={`${inputBase} ${invalid ? "border-red-500" : "border-slate-300"}`}
      />
      {hint ? (
        <p id={field.descriptionId} className="mt-1 text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      <FieldError id={field.errorId} errors={field.errors} />
    </div>
  );
}

/** The form-level errors (not about one field), e.g. "not enough credits". */
export function FormErrors({ id, errors }: { id: string; errors: string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <div id={id} role="alert" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800">
      {errors.map((e) => (
        <p key={e}>{e}</p>
      ))}
    </div>
  );
}
