import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { Card, NavList, PageHeader } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { Badge, Time, linkClass, type Tone } from "~/components/ui";
import { listOutbox } from "~/mail/index.server";
import { MAIL_STATUSES, type MailStatus } from "../../db/schema";
import { pageTitle } from "~/components/format";

export const meta: MetaFunction = () => [{ title: pageTitle("Mail outbox") }];

const STATUS_TONE: Record<MailStatus, Tone> = { pending: "amber", sent: "green", failed: "red", expired: "slate" };
const isStatus = (s: string | null): s is MailStatus => MAIL_STATUSES.includes(s as MailStatus);

/**
 * Every message the app enqueued, newest first. Without SMTP_URL (a demo, development) mail is
 * never sent: its text is shown here, link included, and printed in the log. With SMTP the
 * bodies are not shown: they are the customers' (reset links among them).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const param = new URL(request.url).searchParams.get("status");
  const status = isStatus(param) ? param : null;
  const showBodies = !context.env.SMTP_URL;
  const page = listOutbox(context.db, { status, limit: 100 });
  // Without SMTP a "sent" message was handed to the log, not to anyone's mailbox: say that.
  const label = (s: MailStatus) => (s === "sent" && showBodies ? "logged" : s);
  return {
    status,
    showBodies,
    intro: showBodies
      ? "No SMTP server is configured (SMTP_URL), so no message reaches a mailbox: each is written to the log and shown here, marked “logged”."
      : "Every message the app sent or will send, newest first. Failed messages were retried with backoff first.",
    statusLabels: Object.fromEntries(MAIL_STATUSES.map((s) => [s, label(s)])) as Record<MailStatus, string>,
    counts: page.counts,
    rows: page.rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      to: r.toAddress,
      subject: r.subject,
      status: r.status,
      statusLabel: label(r.status),
      attempts: r.attempts,
      createdAt: r.createdAt.toISOString(),
      sentAt: r.sentAt?.toISOString() ?? null,
      nextAttemptAt: r.status === "pending" ? r.nextAttemptAt.toISOString() : null,
      lastError: r.lastError,
      text: showBodies ? r.text : null,
      link: showBodies ? ((r.text.match(/https?:\/\/\S+/) ?? [])[0] ?? null) : null,
    })),
  };
}

export default function OutboxPage() {
  const { status, intro, statusLabels, counts, rows } = useLoaderData<typeof loader>();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const tabs = [
    { to: "/admin/outbox", label: `All (${total})`, active: status === null },
    ...MAIL_STATUSES.map((s) => ({
      to: `/admin/outbox?status=${s}`,
      label: `${statusLabels[s][0].toUpperCase()}${statusLabels[s].slice(1)} (${counts[s]})`,
      active: status === s,
    })),
  ];
  type Row = (typeof rows)[number];
  return (
    <div className="space-y-6">
      <PageHeader title="Mail outbox">{intro}</PageHeader>
      <NavList items={tabs} label="Mail status" />
      <Card>
        <DataTable<Row>
          rows={rows}
          rowKey={(r) => r.id}
          caption="Mail outbox, newest first"
          testId="outbox"
          rowAttributes={(r) => ({ "data-mail": String(r.id) })}
          empty="No mail yet."
          columns={[
            { header: "Enqueued", cell: (r) => <Time value={r.createdAt} /> },
            { header: "To", cell: (r) => <span className="break-all">{r.to}</span> },
            {
              header: "Message",
              cell: (r) => (
                <div className="space-y-1">
                  <p className="font-medium text-slate-900">{r.subject}</p>
                  <p className="text-xs text-slate-600">{r.kind.replace(/_/g, " ")}</p>
                  {r.text ? (
                    <details>
                      <summary className={`cursor-pointer text-sm ${linkClass}`}>Show message</summary>
                      <pre className="mt-2 whitespace-pre-wrap break-words rounded bg-slate-50 p-2 text-xs text-slate-800">
                        {r.text}
                      </pre>
                      {r.link ? (
                        <a href={r.link} className={`text-sm ${linkClass}`}>
                          Open the message&apos;s link
                        </a>
                      ) : null}
                    </details>
                  ) : null}
                </div>
              ),
            },
            {
              header: "Status",
              cell: (r) => (
                <div className="space-y-1">
                  <Badge tone={STATUS_TONE[r.status]}>{r.statusLabel}</Badge>
                  <p className="text-xs text-slate-600">
                    {r.attempts} attempt{r.attempts === 1 ? "" : "s"}
                    {r.sentAt ? (
                      <>
                        {" "}
                        · {r.statusLabel} <Time value={r.sentAt} />
                      </>
                    ) : null}
                    {r.nextAttemptAt ? (
                      <>
                        {" "}
                        · next <Time value={r.nextAttemptAt} />
                      </>
                    ) : null}
                  </p>
                  {r.lastError ? <p className="break-words text-xs text-red-700">{r.lastError}</p> : null}
                </div>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
