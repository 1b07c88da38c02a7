/*
 * Email (docs/decisions/012-email.md). The public surface: enqueue inside a write transaction,
 * notify after commit, the worker the server starts, the event consumer, the opt-out settings and
 * the admin outbox view.
 */
export { MAIL_KINDS, OPTIONAL_KINDS, SECURITY_KINDS, type MailKind, type OptionalKind } from "./kinds";
export {
  enqueueMail,
  hasOptedOut,
  listOutbox,
  mailOf,
  optedOutKinds,
  setOptOuts,
  type MailRow,
  type OutboxPage,
} from "./outbox.server";
export {
  creditsExpiringMail,
  lowBalanceMail,
  passwordResetMail,
  paymentFailedMail,
  renderMail,
  topupReceiptMail,
  type RenderedMail,
} from "./templates.server";
export { logSender, mailFromOf, senderFor, smtpSender, type MailSender, type OutgoingMail } from "./transport.server";
export {
  deliverDueMail,
  MAIL_RETRY,
  notifyMail,
  REDACTED_BODY,
  retryDelayMs,
  startMailWorker,
  type MailWorker,
} from "./worker.server";
export { mailConsumer, mailForEvent, registerMailConsumer, MAIL_EVENT_TYPES } from "./events.server";
