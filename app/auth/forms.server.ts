import type { z } from "zod";
import type { AppError } from "../utils/errors";

/** Field name → the first message for that field; what the pages render next to each input. */
export type FieldErrors = Record<string, string>;

export type FormResult<T> = { ok: true; data: T } | { ok: false; fieldErrors: FieldErrors };

/**
 * Validates a submitted form against a zod object schema. Every field is read as a string (a file
 * upload or a missing field becomes ""), so schemas only deal with text.
 */
export function parseForm<S extends z.ZodTypeAny>(schema: S, form: FormData, fields: string[]): FormResult<z.infer<S>> {
  const raw: Record<string, string> = {};
  for (const name of fields) {
    const v = form.get(name);
    raw[name] = typeof v === "string" ? v : "";
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "form");
    fieldErrors[field] ??= issue.message;
  }
  return { ok: false, fieldErrors };
}

/** The submitted text values, to refill a form that failed validation (never passwords). */
export function formValues(form: FormData, fields: string[]): Record<string, string> {
  return Object.fromEntries(fields.map((name) => [name, typeof form.get(name) === "string" ? String(form.get(name)) : ""]));
}

/** What a page's action answers when a submission fails: errors per field, or one for the form. */
export interface FormFailure {
  fieldErrors: FieldErrors;
  formError: string | null;
}

/** Maps a domain error onto the form: `extra.fieldErrors`, else its `field`, else a form-level message. */
export function formFailureFrom(e: AppError): FormFailure {
  const fieldErrors = e.extra?.fieldErrors as FieldErrors | undefined;
  if (fieldErrors && Object.keys(fieldErrors).length > 0) return { fieldErrors, formError: null };
  if (e.field) return { fieldErrors: { [e.field]: e.message }, formError: null };
  return { fieldErrors: {}, formError: e.message };
}
