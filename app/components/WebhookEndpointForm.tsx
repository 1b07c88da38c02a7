import { getCollectionProps, getFormProps } from "@conform-to/react";
import { Form } from "@remix-run/react";
import type { SubmissionResult } from "@conform-to/react";
import { endpointFormSchema, EVENT_LABELS } from "~/pages/webhook-forms";
import { Field, FieldError, FormErrors, SubmitButton, useSchemaForm } from "./forms";

/** The endpoint's URL, description and event types: the create form and the edit form. */
export function WebhookEndpointForm({
  intent,
  eventTypes,
  defaultValue,
  lastResult,
  submitLabel,
}: {
  intent: "create" | "update";
  eventTypes: string[];
  defaultValue: { url?: string; description?: string; events: string[] };
  lastResult: SubmissionResult<string[]> | undefined;
  submitLabel: string;
}) {
  const [form, fields] = useSchemaForm(endpointFormSchema, {
    id: `endpoint-${intent}`,
    lastResult,
    defaultValue,
  });
  const options = getCollectionProps(fields.events, { type: "checkbox", options: eventTypes });
  return (
    <Form method="post" {...getFormProps(form)} className="max-w-xl space-y-4">
      <FormErrors id={form.errorId} errors={form.errors} />
      <Field field={fields.url} label="URL" type="text" inputMode="text" placeholder="https://example.com/webhooks" />
      <Field field={fields.description} label="Description" optional hint="For you: who runs the receiver." />
      <fieldset aria-describedby={fields.events.errors?.length ? fields.events.errorId : undefined}>
        <legend className="text-sm font-medium text-slate-800">Events to send</legend>
        <div className="mt-2 space-y-2">
          {options.map((props) => (
            <label key={props.key} className="flex items-start gap-2 text-sm text-slate-800">
              <input
                {...props}
                key={props.key}
                className="mt-0.5 h-4 w-4 shrink-0 rounded border-slate-300 text-indigo-600 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
              />
              <span>
                {EVENT_LABELS[props.value] ?? props.value} <code className="text-xs text-slate-600">{props.value}</code>
              </span>
            </label>
          ))}
        </div>
        <FieldError id={fields.events.errorId} errors={fields.events.errors} />
      </fieldset>
      <SubmitButton name="intent" value={intent} pendingText="Saving…">
        {submitLabel}
      </SubmitButton>
    </Form>
  );
}
