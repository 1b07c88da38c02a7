import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { Card } from "~/components/AppShell";
import { Field, FormErrors, SubmitButton, useSchemaForm } from "~/components/forms";
import { adjustSchema, grantSchema } from "./forms";

type LastResult = SubmissionResult<string[]> | undefined;

/** The two credit forms side by side: adjust the balance, grant promotional credits. */
export function CreditForms({ adjustResult, grantResult }: { adjustResult: LastResult; grantResult: LastResult }) {
  const [adjustForm, adjust] = useSchemaForm(adjustSchema, { id: "adjust", lastResult: adjustResult });
  const [grantForm, grant] = useSchemaForm(grantSchema, { id: "grant", lastResult: grantResult });
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card title="Adjust the balance">
        <Form method="post" {...getFormProps(adjustForm)} className="space-y-4">
          <FormErrors id={adjustForm.errorId} errors={adjustForm.errors} />
          <Field
            field={adjust.amount}
            label="Credits"
            inputMode="text"
            hint="Positive adds credits, negative takes them away (e.g. -50)."
          />
          <Field field={adjust.reason} label="Reason" hint="Shown to the customer in their history." />
          <SubmitButton name="intent" value="confirm-adjust" pendingText="Checking…">
            Review adjustment
          </SubmitButton>
        </Form>
      </Card>
      <Card title="Grant promotional credits">
        <Form method="post" {...getFormProps(grantForm)} className="space-y-4">
          <FormErrors id={grantForm.errorId} errors={grantForm.errors} />
          <Field field={grant.amount} label="Credits" inputMode="numeric" />
          <Field field={grant.reason} label="Reason" hint="Shown to the customer next to the credits." />
          <Field
            field={grant.expiresOn}
            label="Expires after"
            type="date"
            optional
            hint="Usable through this day (UTC). Empty: never expires."
          />
          <SubmitButton name="intent" value="confirm-grant" pendingText="Checking…">
            Review grant
          </SubmitButton>
        </Form>
      </Card>
    </div>
  );
}
