/*
 * Email (docs/decisions/012-email.md). The public surface: enqueue inside a write transaction,
 * notify after commit, the worker the server starts, the event consumer, the opt-out settings and
 * the admin outbox view.
 */
export { enqueueMail, listOutbox, mailOf, optedOutKinds, setOptOuts } from "./outbox.server";
export { lowBalanceMail, passwordResetMail, renderMail } from "./templates.server";
export { logSender, mailFromOf, senderFor, smtpSender, type MailSender } from "./transport.server";
export { deliverDueMail, MAIL_RETRY, notifyMail, REDACTED_BODY, retryDelayMs, startMailWorker } from "./worker.server";
export { mailConsumer, mailForEvent, registerMailConsumer } from "./events.server";
