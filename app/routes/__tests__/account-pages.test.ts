import { describe, expect, it } from "vitest";
import { mailOutbox } from "../../../db/schema";
import { useTestContexts } from "../../../test/contexts";
import { hashPassword } from "../../auth/password.server";
import { commitSessionCookie, createSession, requireUser } from "../../auth/session.server";
import { createUser } from "../../auth/users.server";
import * as accountPage from "../account";
import * as outboxPage from "../admin.outbox";
import * as forgotPage from "../forgot-password";
import * as loginPage from "../login";
import * as resetPage from "../reset-password";
import { adminSetup, call } from "./admin-harness";

const newContext = useTestContexts();
const PASSWORD = "jane's long password";

async function setup(env: Record<string, string> = {}) {
  const s = await adminSetup(newContext({ SESSION_SECRET: "unit-test-session-secret", ...env }));
  // The harness's customer has no password; give her one (cheap cost: tests only).
  const jane = createUser(s.ctx, {
    email: "jane@example.com",
    name: "Jane",
    passwordHash: await hashPassword(PASSWORD, { log2N: 4 }),
  });
  const cookieFor = async (userId: number) =>
    (await commitSessionCookie(s.ctx.env, createSession(s.ctx, { userId }))).split(";")[0];
  return { ...s, jane, janeCookie: await cookieFor(jane.id), janeOtherCookie: await cookieFor(jane.id) };
}

const stillLoggedIn = async (ctx: Awaited<ReturnType<typeof setup>>["ctx"], cookie: string) => {
  try {
    await requireUser(new Request("http://localhost/credits", { headers: { cookie } }), ctx);
    return true;
  } catch {
    return false;
  }
};

function tokenOfLatestMail(ctx: Awaited<ReturnType<typeof setup>>["ctx"]): string {
  const rows = ctx.db.select().from(mailOutbox).all();
  return new URL(rows[rows.length - 1].text.match(/https?:\/\/\S+/)![0]).searchParams.get("token")!;
}

describe("forgot password page", () => {
  it("gives the same answer for an address with and without an account, and mails only the account", async () => {
    const { ctx } = await setup();
    const known = await call(ctx, forgotPage.action, "/forgot-password", { form: { email: "JANE@example.com" } });
    const unknown = await call(ctx, forgotPage.action, "/forgot-password", { form: { email: "nobody@example.com" } });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(unknown.data.sent).toBe(true);
    expect({ ...known.data, result: undefined }).toEqual({ ...unknown.data, result: undefined });
    expect(
      ctx.db
        .select()
        .from(mailOutbox)
        .all()
        .map((r) => r.toAddress),
    ).toEqual(["jane@example.com"]);
  });

  it("says what is wrong with the address in words, and refuses a 4th request within the hour with 429", async () => {
    const { ctx } = await setup();
    const bad = await call(ctx, forgotPage.action, "/forgot-password", { form: { email: "jane at example" } });
    expect(bad.status).toBe(400);
    expect(bad.data.result.error).toEqual({ email: ["Enter a valid email address, like name@example.com."] });
    for (let i = 0; i < 3; i++)
      await call(ctx, forgotPage.action, "/forgot-password", { form: { email: "x@example.com" } });
    const limited = await call(ctx, forgotPage.action, "/forgot-password", { form: { email: "x@example.com" } });
    expect(limited.status).toBe(429);
    expect(limited.headers?.get("Retry-After")).toBe("3600");
    expect(limited.data.result.error[""]).toEqual(["Too many reset requests. Try again in 60 minutes."]);
  });
});

describe("reset password page", () => {
  it("sets the new password from the link and logs out every session; the link then no longer works", async () => {
    const { ctx, janeCookie, janeOtherCookie } = await setup();
    await call(ctx, forgotPage.action, "/forgot-password", { form: { email: "jane@example.com" } });
    const token = tokenOfLatestMail(ctx);
    expect((await call(ctx, resetPage.loader, `/reset-password?token=${token}`)).data).toEqual({
      token,
      changed: false,
    });

    const mismatch = await call(ctx, resetPage.action, "/reset-password", {
      form: { token, password: "a new long password", confirm: "something else" },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.data.result.error).toEqual({ confirm: ["The two passwords are not the same."] });
    expect(mismatch.data.result.initialValue?.password).toBeUndefined();

    const done = await call(ctx, resetPage.action, "/reset-password", {
      form: { token, password: "a new long password", confirm: "a new long password" },
    });
    expect(done).toMatchObject({ status: 302, location: "/reset-password" });
    // The page it lands on says the password is changed, in its heading and its title.
    const landed = await call(ctx, resetPage.loader, "/reset-password", {
      cookie: done.headers!.get("set-cookie")!.split(";")[0],
    });
    expect(landed.data).toEqual({ token: null, changed: true });
    expect(resetPage.meta({ data: landed.data } as never)).toEqual([{ title: "Your password is changed — Credits" }]);
    expect(resetPage.meta({ data: { token: null, changed: false } } as never)).toEqual([
      { title: "This link no longer works — Credits" },
    ]);
    expect(await stillLoggedIn(ctx, janeCookie)).toBe(false);
    expect(await stillLoggedIn(ctx, janeOtherCookie)).toBe(false);

    expect((await call(ctx, resetPage.loader, `/reset-password?token=${token}`)).data).toEqual({
      token: null,
      changed: false,
    });
    const again = await call(ctx, resetPage.action, "/reset-password", {
      form: { token, password: "a third long password", confirm: "a third long password" },
    });
    expect(again.status).toBe(400);
    expect(again.data.result.error[""]).toEqual([expect.stringMatching(/expired or has already been used/)]);
  });
});

describe("account page", () => {
  it("sends anonymous visitors to log in, for the page and its forms", async () => {
    const { ctx } = await setup();
    expect((await call(ctx, accountPage.loader, "/account")).location).toBe("/login?redirectTo=%2Faccount");
    const post = await call(ctx, accountPage.action, "/account", { form: { intent: "notifications" } });
    expect(post.location).toBe("/login?redirectTo=%2Faccount");
  });

  it("changes the password only with the current one, and logs out the other sessions but not this one", async () => {
    const { ctx, janeCookie, janeOtherCookie } = await setup();
    const wrong = await call(ctx, accountPage.action, "/account", {
      cookie: janeCookie,
      form: {
        intent: "password",
        currentPassword: "not it",
        newPassword: "a new long password",
        confirm: "a new long password",
      },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.data.result.error).toEqual({ currentPassword: ["That is not your current password."] });

    const empty = await call(ctx, accountPage.action, "/account", { cookie: janeCookie, form: { intent: "password" } });
    expect(empty.data.result.error).toEqual({
      currentPassword: ["Enter your current password."],
      newPassword: ["Choose a new password of at least 12 characters."],
      confirm: ["Type the new password again."],
    });

    const ok = await call(ctx, accountPage.action, "/account", {
      cookie: janeCookie,
      form: {
        intent: "password",
        currentPassword: PASSWORD,
        newPassword: "a new long password",
        confirm: "a new long password",
      },
    });
    expect(ok.data.message).toBe("Your password is changed. 1 other device was logged out.");
    expect(await stillLoggedIn(ctx, janeCookie)).toBe(true);
    expect(await stillLoggedIn(ctx, janeOtherCookie)).toBe(false);
  });

  it("saves notification opt-outs, and security mail cannot be turned off", async () => {
    const { ctx, janeCookie } = await setup();
    expect((await call(ctx, accountPage.loader, "/account", { cookie: janeCookie })).data.optedOut).toEqual([]);
    const saved = await call(ctx, accountPage.action, "/account", {
      cookie: janeCookie,
      form: { intent: "notifications", credits_expiring: "on", payment_failed: "on", password_reset: "" },
    });
    expect(saved.data.message).toBe("Your notification settings are saved.");
    const page = await call(ctx, accountPage.loader, "/account", { cookie: janeCookie });
    expect(page.data.optedOut.sort()).toEqual(["low_balance", "topup_receipt"]);
  });
});

describe("admin outbox page", () => {
  it("is for admins only", async () => {
    const { ctx, customerCookie } = await setup();
    expect((await call(ctx, outboxPage.loader, "/admin/outbox")).location).toBe("/login?redirectTo=%2Fadmin%2Foutbox");
    expect((await call(ctx, outboxPage.loader, "/admin/outbox", { cookie: customerCookie })).status).toBe(403);
  });

  it("shows each message's text without SMTP (a demo), and only its envelope with SMTP", async () => {
    for (const env of [{}, { SMTP_URL: "smtp://127.0.0.1:9" }] as Record<string, string>[]) {
      const { ctx, adminCookie } = await setup(env);
      await call(ctx, forgotPage.action, "/forgot-password", { form: { email: "jane@example.com" } });
      const page = await call(ctx, outboxPage.loader, "/admin/outbox?status=pending", { cookie: adminCookie });
      expect(page.data.counts.pending).toBe(1);
      const [row] = page.data.rows;
      expect(row).toMatchObject({ to: "jane@example.com", kind: "password_reset", status: "pending" });
      if ("SMTP_URL" in env) {
        expect(row.text).toBeNull();
        expect(row.link).toBeNull();
      } else {
        expect(row.link).toMatch(/\/reset-password\?token=[\w-]{43}$/);
      }
    }
  });
});

describe("admin outbox wording", () => {
  it("calls a message handed to the log (no SMTP) logged, never sent, and says so above the list", async () => {
    for (const env of [{}, { SMTP_URL: "smtp://127.0.0.1:9" }] as Record<string, string>[]) {
      const { ctx, adminCookie } = await setup(env);
      await call(ctx, forgotPage.action, "/forgot-password", { form: { email: "jane@example.com" } });
      ctx.db.update(mailOutbox).set({ status: "sent", sentAt: ctx.clock.now() }).run();
      const page = await call(ctx, outboxPage.loader, "/admin/outbox", { cookie: adminCookie });
      const label = page.data.rows[0].statusLabel;
      expect(label).toBe("SMTP_URL" in env ? "sent" : "logged");
      expect(page.data.intro).toMatch("SMTP_URL" in env ? /sent or will send/ : /written to the log/);
      expect(page.data.intro).not.toMatch(/not sent/);
    }
  });
});

describe("login page", () => {
  it("lands an admin on /admin and a customer on /credits, unless the form names a page", async () => {
    const { ctx } = await setup();
    createUser(ctx, {
      email: "boss@example.com",
      role: "admin",
      passwordHash: await hashPassword(PASSWORD, { log2N: 4 }),
    });
    const login = (email: string, redirectTo = "") =>
      call(ctx, loginPage.action, "/login", { form: { email, password: PASSWORD, redirectTo } });
    expect((await login("boss@example.com")).location).toBe("/admin");
    expect((await login("jane@example.com")).location).toBe("/credits");
    expect((await login("boss@example.com", "/billing")).location).toBe("/billing");
  });
});
