import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { Form, Link } from "@remix-run/react";
import type { RoleConfirm } from "~/pages/role-form";
import { Card } from "~/components/AppShell";
import { FormErrors, SubmitButton, buttonStyles } from "~/components/forms";
import { USER_ROLES } from "../../db/schema";

const roleWords = (role: string) => (role === "admin" ? "an admin" : "a customer");

/** The admin customer page's "Role" card: choose a role, then review it (RoleConfirmPanel). */
export function RoleCard({ role, lastResult }: { role: string; lastResult?: SubmissionResult<string[]> }) {
  const [form, fields] = useForm({ id: "role", lastResult });
  return (
    <Card title="Role">
      <Form method="post" {...getFormProps(form)} className="flex flex-wrap items-end gap-3">
        <FormErrors id={form.errorId} errors={form.errors} />
        <div>
          <label htmlFor={fields.role.id} className="block text-sm font-medium text-slate-800">
            Role
          </label>
          <select
            id={fields.role.id}
            name={fields.role.name}
            defaultValue={role}
            aria-describedby={fields.role.errors ? fields.role.errorId : undefined}
            className="mt-1 rounded-md border border-slate-300 px-3 py-2"
          >
            {USER_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <SubmitButton name="intent" value="confirm-role" variant="secondary" pendingText="Checking…">
          Review role change
        </SubmitButton>
      </Form>
    </Card>
  );
}

/** The second step of a role change: what changes for whom, and a button to do it. */
export function RoleConfirmPanel({
  confirm,
  pathname,
  search,
}: {
  confirm: RoleConfirm;
  pathname: string;
  search: string;
}) {
  const promote = confirm.role === "admin";
  return (
    <section
      aria-labelledby="role-confirm-title"
      className="rounded-lg border-2 border-amber-400 bg-amber-50 p-5"
      data-testid="confirm"
    >
      <h2 id="role-confirm-title" className="text-lg font-semibold text-slate-900">
        {`Make ${confirm.email} ${roleWords(confirm.role)}?`}
      </h2>
      <p className="mt-2 text-sm text-slate-800">
        {promote
          ? "They will see every customer, and can grant, adjust and void credits and change roles."
          : "They lose the admin pages at once, on every device they are logged in on."}
      </p>
      <Form method="post" action={`${pathname}${search}`} className="mt-4 flex flex-wrap items-center gap-4">
        <input type="hidden" name="role" value={confirm.role} />
        <input type="hidden" name="from" value={confirm.from} />
        <SubmitButton name="intent" value="set-role" variant={promote ? "primary" : "danger"} pendingText="Working…">
          {promote ? "Yes, make them an admin" : "Yes, make them a customer"}
        </SubmitButton>
        <Link to={`${pathname}${search}`} className={buttonStyles.link}>
          Cancel
        </Link>
      </Form>
    </section>
  );
}
