import nodemailer from "nodemailer";
import type { Env } from "../utils/env.server";
import { log } from "../utils/log.server";

/** What the worker hands a transport: one message, already rendered. */
interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Our outbox id, as a header, so a message in someone's inbox can be found in the outbox. */
  outboxId: number;
}

export interface MailSender {
  /** "smtp": Nodemailer over SMTP_URL; "log": printed to the log and kept on /admin/outbox. */
  readonly kind: "smtp" | "log";
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** The From of every message: MAIL_FROM, else no-reply at APP_URL's host. */
export function mailFromOf(env: Pick<Env, "MAIL_FROM" | "appUrl">): string {
  return env.MAIL_FROM ?? `Credits <no-reply@${new URL(env.appUrl).hostname}>`;
}

/**
 * Nodemailer over SMTP. The URL carries host, port, credentials and options
 * (`smtps://…` for implicit TLS, `?requireTLS=true` to refuse a plain connection). Timeouts are
 * short: a message that cannot be handed over in seconds is retried later by the worker rather
 * than holding it.
 */
export function smtpSender(url: string): MailSender {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    kind: "smtp",
    async send(mail) {
      await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { "X-Credits-Outbox-Id": String(mail.outboxId) },
      });
    },
    close: () => transport.close(),
  };
}

/** No SMTP_URL (development, tests, DEMO=1): the message is printed and stays on /admin/outbox. */
export function logSender(): MailSender {
  return {
    kind: "log",
    async send(mail) {
      log.info("mail (no SMTP_URL: printed here and kept on /admin/outbox, not sent)", {
        outboxId: mail.outboxId,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
      });
    },
    close() {},
  };
}

/**
 * The sender the server uses. Production without SMTP_URL never gets here: parseEnv refuses it
 * unless DEMO=1 (a demo shows its mail on /admin/outbox).
 */
export function senderFor(env: Pick<Env, "SMTP_URL">): MailSender {
  return env.SMTP_URL ? smtpSender(env.SMTP_URL) : logSender();
}
