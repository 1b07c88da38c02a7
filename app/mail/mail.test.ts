import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/client";
import { mailOutbox } from "../../db/schema";
import { testContext } from "../../test/db";
import { createUser } from "../auth/users.server";
import { appendEvent } from "../events/outbox.server";
import { dispatchBatch } from "../events/dispatcher.server";
import {
  deliverDueMail,
  enqueueMail,
  lowBalanceMail,
  mailConsumer,
  mailForEvent,
  mailOf,
  MAIL_RETRY,
  passwordResetMail,
  REDACTED_BODY,
  renderMail,
  retryDelayMs,
  setOptOuts,
  smtpSender,
  logSender,
  startMailWorker,
  notifyMail,
  optedOutKinds,
  type MailSender,
} from "./index.server";
import { registerEventConsumer } from "../events/outbox.server";
import { linkIn, startTestSmtp, type TestSmtp } from "./test-support";
import { writeTransaction } from "../../db/transaction";

const APP_URL = "https://credits.example.com";
const FROM = "Credits <no-reply@credits.example.com>";

let smtp: TestSmtp;
let ctx: ReturnType<typeof testContext>;
let sender: MailSender;

beforeEach(async () => {
  smtp = await startTestSmtp();
  ctx = testContext({ APP_URL });
  sender = smtpSender(smtp.url);
});
afterEach(async () => {
  sender.close();
  await smtp.close();
  closeDatabase(ctx.db);
});

function enqueueLowBalance(to = "ada@example.com", extra: { expiresAt?: Date; userId?: number | null } = {}) {
  return enqueueMail(ctx.db, {
    kind: "low_balance",
    userId: extra.userId ?? null,
    to,
    mail: renderMail(lowBalanceMail({ name: "Ada", balance: 40, threshold: 100 }), APP_URL),
    expiresAt: extra.expiresAt,
    at: ctx.clock.now(),
  })!;
}

const row = (id: number) =>
  ctx.db
    .select()
    .from(mailOutbox)
    .all()
    .find((r) => r.id === id)!;

describe("sending the outbox over SMTP", () => {
  it("sends a message as plain text and HTML with one link to APP_URL", async () => {
    const id = enqueueLowBalance();
    expect(await deliverDueMail(ctx, sender, FROM)).toEqual({ sent: 1, retried: 0, failed: 0, expired: 0 });

    const mail = await smtp.waitFor((m) => m.to.includes("ada@example.com"));
    expect(mail.parsed.subject).toBe("Your balance is low: 40 credits left");
    expect(mail.parsed.from?.text).toBe('"Credits" <no-reply@credits.example.com>');
    expect(mail.parsed.text).toContain("you have 40 credits left");
    expect(linkIn(mail).toString()).toBe(`${APP_URL}/billing`);
    const htmlLinks = [...String(mail.parsed.html).matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(htmlLinks).toEqual([`${APP_URL}/billing`]);
    expect(mail.parsed.headers.get("x-credits-outbox-id")).toBe(String(id));
    expect(row(id)).toMatchObject({ status: "sent", attempts: 1, transport: "smtp", sentAt: ctx.clock.now() });
    // Sent is sent: the next run has nothing to do.
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 0 });
    expect(smtp.received).toHaveLength(1);
  });

  it("escapes what customers typed (their name) in the HTML part", () => {
    const html = renderMail(lowBalanceMail({ name: "<b>Eve</b>", balance: 1, threshold: 2 }), APP_URL).html;
    expect(html).toContain("Hello &lt;b&gt;Eve&lt;/b&gt;,");
    expect(html).not.toContain("<b>Eve</b>");
  });

  it("retries a temporary failure after a growing pause, then sends it", async () => {
    const id = enqueueLowBalance();
    smtp.failTemporarily = true;
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 0, retried: 1 });
    const t0Ms = ctx.clock.now().getTime();
    expect(row(id)).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: new Date(t0Ms + 30_000) });
    expect(row(id).lastError).toMatch(/^451 /);

    // Not due yet: nothing is tried.
    ctx.clock.advance(29_999);
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 0, retried: 0 });
    ctx.clock.advance(1);
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ retried: 1 });
    expect(row(id).nextAttemptAt.getTime()).toBe(ctx.clock.now().getTime() + 120_000);

    smtp.failTemporarily = false;
    ctx.clock.advance(120_000);
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 1 });
    expect(row(id)).toMatchObject({ status: "sent", attempts: 3, lastError: null });
    expect(smtp.received).toHaveLength(1);
  });

  it("backs off 30 s, 2 min, 8 min … up to 6 h, and gives up after the last attempt", async () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(retryDelayMs)).toEqual([
      30_000, 120_000, 480_000, 1_920_000, 7_680_000, 21_600_000, 21_600_000,
    ]);
    const id = enqueueLowBalance();
    smtp.failTemporarily = true;
    for (let attempt = 1; attempt < MAIL_RETRY.maxAttempts; attempt++) {
      expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ retried: 1 });
      ctx.clock.advance(retryDelayMs(attempt));
    }
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ failed: 1 });
    expect(row(id)).toMatchObject({ status: "failed", attempts: MAIL_RETRY.maxAttempts });
    ctx.clock.advance(30 * 86_400_000);
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 0, retried: 0, failed: 0 });
  });

  it("gives up at once on an address the SMTP server refuses (550), and still sends the others", async () => {
    smtp.rejectRecipients.add("gone@example.com");
    const gone = enqueueLowBalance("gone@example.com");
    const fine = enqueueLowBalance("fine@example.com");
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 1, failed: 1 });
    expect(row(gone)).toMatchObject({ status: "failed", attempts: 1 });
    expect(row(gone).lastError).toMatch(/^550 /);
    expect(row(fine).status).toBe("sent");
  });

  it("drops a message that could not be sent before it expired", async () => {
    const id = enqueueLowBalance("ada@example.com", { expiresAt: new Date(ctx.clock.now().getTime() + 60_000) });
    smtp.failTemporarily = true;
    await deliverDueMail(ctx, sender, FROM);
    smtp.failTemporarily = false;
    ctx.clock.advance(60_000);
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 0, expired: 1 });
    expect(row(id).status).toBe("expired");
    expect(smtp.received).toHaveLength(0);
  });

  it("keeps retrying while the SMTP server is down, and sends once it is back", async () => {
    const down = smtpSender("smtp://127.0.0.1:9"); // nothing listens on the discard port
    const id = enqueueLowBalance();
    expect(await deliverDueMail(ctx, down, FROM)).toMatchObject({ retried: 1 });
    down.close();
    expect(row(id).lastError).toMatch(/ECONNREFUSED|connect/i);
    ctx.clock.advance(30_000);
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 1 });
  });

  it("never sends mail whose transaction rolled back", async () => {
    expect(() =>
      writeTransaction(ctx.db, () => {
        enqueueLowBalance();
        throw new Error("the change failed");
      }),
    ).toThrow("the change failed");
    expect(await deliverDueMail(ctx, sender, FROM)).toMatchObject({ sent: 0 });
    expect(ctx.db.select().from(mailOutbox).all()).toHaveLength(0);
  });

  it("removes a password reset link from the outbox once an SMTP server has it; the log transport keeps it", async () => {
    const reset = (to: string) =>
      enqueueMail(ctx.db, {
        kind: "password_reset",
        userId: null,
        to,
        mail: renderMail(passwordResetMail({ name: "", token: "t".repeat(43), validMinutes: 30 }), APP_URL),
        at: ctx.clock.now(),
      })!;
    const bySmtp = reset("smtp@example.com");
    await deliverDueMail(ctx, sender, FROM);
    const got = await smtp.waitFor((m) => m.to.includes("smtp@example.com"));
    expect(linkIn(got).toString()).toBe(`${APP_URL}/reset-password?token=${"t".repeat(43)}`);
    expect(row(bySmtp)).toMatchObject({ status: "sent", text: REDACTED_BODY, html: REDACTED_BODY });

    const byLog = reset("log@example.com");
    await deliverDueMail(ctx, logSender(), FROM);
    expect(row(byLog)).toMatchObject({ status: "sent", transport: "log" });
    expect(row(byLog).text).toContain("/reset-password?token=");
  });
});

describe("the worker", () => {
  it("sends on notifyMail without waiting for its poll", async () => {
    const worker = startMailWorker(ctx, sender, { from: FROM, intervalMs: 3_600_000 });
    try {
      await worker.poke(); // the start-up run (nothing to send)
      enqueueLowBalance("now@example.com");
      notifyMail();
      const got = await smtp.waitFor((m) => m.to.includes("now@example.com"), 5_000);
      expect(got.parsed.subject).toMatch(/balance is low/);
    } finally {
      await worker.stop();
    }
  });

  it("sends after a restart what was enqueued before it (another connection, a new worker)", async () => {
    enqueueLowBalance("before-restart@example.com");
    const db = openDatabase(ctx.path);
    const restarted = { db, clock: ctx.clock };
    const second = smtpSender(smtp.url);
    const worker = startMailWorker(restarted, second, { from: FROM, intervalMs: 3_600_000 });
    try {
      await smtp.waitFor((m) => m.to.includes("before-restart@example.com"), 5_000);
    } finally {
      await worker.stop();
      closeDatabase(db);
    }
  });
});

describe("notices from the event bus", () => {
  function customer(email = "cus@example.com") {
    return createUser(ctx, { email, name: "Cus" });
  }
  const at = () => ctx.clock.now();

  it("mails each kind in the customer's words, with its one link", async () => {
    const u = customer();
    const events = [
      {
        type: "credits.expiring_soon",
        data: {
          userId: u.id,
          externalId: null,
          grantId: 7,
          amount: 300,
          expiresAt: new Date(at().getTime() + 3 * 86_400_000).toISOString(),
        },
      },
      { type: "balance.low", data: { userId: u.id, externalId: null, balance: 40, threshold: 100 } },
      {
        type: "payment.failed",
        data: { userId: u.id, planName: "Pro", amountCents: 3000, hostedInvoiceUrl: "https://stripe.test/i" },
      },
      {
        type: "topup.paid",
        data: {
          userId: u.id,
          packName: "1,000 credits",
          credits: 1000,
          amountCents: 1000,
          receiptUrl: "https://stripe.test/r",
        },
      },
    ] as const;
    for (const e of events) {
      mailForEvent(
        ctx.db,
        { id: `evt_${e.type}`, type: e.type, userId: u.id, data: { ...e.data }, createdAt: at() },
        APP_URL,
      );
    }
    await deliverDueMail(ctx, sender, FROM);
    const bySubject = Object.fromEntries(smtp.received.map((m) => [m.parsed.subject, m]));
    expect(Object.keys(bySubject).sort()).toEqual(
      [
        "300 credits expire in 3 days",
        "Your balance is low: 40 credits left",
        "Your payment for Pro did not go through",
        "Receipt: 1,000 credits",
      ].sort(),
    );
    expect(bySubject["Your payment for Pro did not go through"].parsed.text).toContain("We could not take $30.00");
    expect(linkIn(bySubject["300 credits expire in 3 days"]).pathname).toBe("/credits");
    expect(linkIn(bySubject["Receipt: 1,000 credits"]).pathname).toBe("/billing");
    for (const m of smtp.received) {
      expect(m.to).toEqual(["cus@example.com"]);
      expect(m.parsed.html).toBeTruthy();
    }
  });

  it("mails a failed automatic top-up as a failed payment, and an automatic top-up's receipt as such", async () => {
    const u = customer();
    const base = { userId: u.id, createdAt: at() };
    mailForEvent(
      ctx.db,
      {
        ...base,
        id: "evt_auto_failed",
        type: "auto_topup.failed",
        data: {
          userId: u.id,
          reason: "Auto top-up turned itself off: your card was declined. Nothing was charged.",
          code: "card_declined",
          packName: "Small pack",
          amountCents: 1000,
          currency: "eur",
          payUrl: "https://elsewhere.example/billing",
        },
      },
      APP_URL,
    );
    mailForEvent(
      ctx.db,
      {
        ...base,
        id: "evt_auto_paid",
        type: "topup.paid",
        data: { userId: u.id, packName: "Small pack", credits: 500, amountCents: 1000, automatic: true },
      },
      APP_URL,
    );
    expect(mailOf(ctx.db, u.id).map((r) => r.kind)).toEqual(["payment_failed", "topup_receipt"]);
    await deliverDueMail(ctx, sender, FROM);
    const failed = await smtp.waitFor((m) => /Auto top-up is off/.test(m.parsed.subject ?? ""));
    expect(failed.parsed.text).toContain("We tried to buy Small pack for €10.00");
    expect(failed.parsed.text).toContain("your card was declined");
    // The one link is ours, never the producer's URL.
    expect(linkIn(failed).toString()).toBe(`${APP_URL}/billing`);
    const receipt = await smtp.waitFor((m) => /^Receipt: auto top-up/.test(m.parsed.subject ?? ""));
    expect(receipt.parsed.text).toContain("auto top-up bought Small pack for $10.00");

    // Opting out of failed-payment mail covers the automatic ones too.
    setOptOuts(ctx, u.id, ["payment_failed"]);
    const again = mailForEvent(
      ctx.db,
      { ...base, id: "evt_auto_failed_2", type: "auto_topup.failed", data: { reason: "Off.", amountCents: 1000 } },
      APP_URL,
    );
    expect(again).toBeNull();
  });

  it("honours the customer's opt-outs and mails an event once however often it is handed over", () => {
    const u = customer();
    const event = (id: string, type: "balance.low" | "topup.paid") => ({
      id,
      type,
      userId: u.id,
      data: { userId: u.id, balance: 5, threshold: 10, packName: "P", credits: 5, amountCents: 500 },
      createdAt: at(),
    });
    expect(mailForEvent(ctx.db, event("evt_1", "balance.low"), APP_URL)).not.toBeNull();
    expect(mailForEvent(ctx.db, event("evt_1", "balance.low"), APP_URL)).toBeNull();

    // A forged "password_reset" opt-out is ignored: security mail cannot be turned off.
    setOptOuts(ctx, u.id, ["low_balance", "password_reset", "nonsense"]);
    expect(optedOutKinds(ctx.db, u.id)).toEqual(["low_balance"]);
    expect(mailForEvent(ctx.db, event("evt_2", "balance.low"), APP_URL)).toBeNull();
    expect(mailForEvent(ctx.db, event("evt_3", "topup.paid"), APP_URL)).not.toBeNull();
    expect(mailOf(ctx.db, u.id).map((r) => r.kind)).toEqual(["low_balance", "topup_receipt"]);
  });

  it("ignores events without a known user or with data that is not the contract's", () => {
    const u = customer();
    expect(
      mailForEvent(
        ctx.db,
        { id: "e1", type: "balance.low", userId: 999_999, data: { balance: 1, threshold: 2 }, createdAt: at() },
        APP_URL,
      ),
    ).toBeNull();
    expect(
      mailForEvent(
        ctx.db,
        { id: "e2", type: "balance.low", userId: u.id, data: { balance: "1" }, createdAt: at() },
        APP_URL,
      ),
    ).toBeNull();
    expect(ctx.db.select().from(mailOutbox).all()).toHaveLength(0);
  });

  it("turns events appended in a change's transaction into mail when the dispatcher hands them over", () => {
    const u = customer();
    const unregister = registerEventConsumer(mailConsumer(APP_URL));
    try {
      writeTransaction(ctx.db, () =>
        appendEvent(ctx.db, {
          type: "balance.low",
          userId: u.id,
          data: { userId: u.id, externalId: null, balance: 9, threshold: 10 },
          at: at(),
        }),
      );
      expect(mailOf(ctx.db, u.id)).toHaveLength(0);
      dispatchBatch(ctx);
      expect(mailOf(ctx.db, u.id)).toMatchObject([
        { kind: "low_balance", toAddress: "cus@example.com", status: "pending" },
      ]);
    } finally {
      unregister();
    }
  });
});
