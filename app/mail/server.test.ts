/**
 * Mail through the real server (startServer from app/server/main.ts) on a loopback port, to a real
 * SMTP server in-process: a notice appended to the event bus by another connection becomes mail
 * without anyone calling the worker (the wiring in main.ts). The forgot-password form's mail over
 * the production build is e2e/account.spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase, type Db } from "../../db/client";
import { freshDatabasePath } from "../../test/db";
import { freePort } from "../../test/server-process";
import { hashPassword } from "../auth/password.server";
import { createUser } from "../auth/users.server";
import { appendEvent, notifyEvents } from "../events/outbox.server";
import { startServer, type RunningServer } from "../server/main";
import { systemClock } from "../utils/clock";
import { parseEnv } from "../utils/env.server";
import { linkIn, startTestSmtp, type TestSmtp } from "./test-support";
import { writeTransaction } from "../../db/transaction";

let smtp: TestSmtp;
let running: RunningServer;
let db: Db;
let base: string;
let userId: number;

beforeAll(async () => {
  smtp = await startTestSmtp();
  const file = freshDatabasePath();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  running = await startServer(
    parseEnv({
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(port),
      APP_URL: base,
      DATABASE_PATH: file,
      LOG_LEVEL: "silent",
      SESSION_SECRET: "mail-server-test-session-secret-0123456789",
      // A Stripe key (never called) keeps the offline Stripe and the demo seed out of this test.
      STRIPE_SECRET_KEY: "sk_test_mail_test_unused",
      STRIPE_WEBHOOK_SECRET: "whsec_mail_test_unused",
      SMTP_URL: smtp.url,
      MAIL_FROM: "Credits Billing <billing@example.com>",
    }),
  );
  db = openDatabase(file);
  userId = createUser(
    { db, clock: systemClock },
    { email: "mia@example.com", name: "Mia", passwordHash: await hashPassword("mia's long password", { log2N: 4 }) },
  ).id;
}, 60_000);

afterAll(async () => {
  await running?.close();
  if (db) closeDatabase(db);
  await smtp?.close();
});

describe("mail from the running server", () => {
  it("turns an event appended by another connection into mail (dispatcher → mail consumer → worker)", async () => {
    writeTransaction(db, () =>
      appendEvent(db, {
        type: "balance.low",
        userId,
        data: { userId, externalId: null, balance: 12, threshold: 100 },
        at: new Date(),
      }),
    );
    notifyEvents();
    const mail = await smtp.waitFor(
      (m) => m.to.includes("mia@example.com") && /balance is low/.test(m.parsed.subject ?? ""),
    );
    expect(mail.parsed.text).toContain("you have 12 credits left");
    expect(mail.parsed.from?.text).toBe('"Credits Billing" <billing@example.com>');
    expect(linkIn(mail).toString()).toBe(`${base}/billing`);
  });
});
