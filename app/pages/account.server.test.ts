import type { AppLoadContext } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { useTestContexts } from "../../test/contexts";
import { createUser, getUserById } from "~/auth/users.server";
import { listRecentAudit } from "~/auth/audit.server";
import { lowBalanceView, saveLowBalanceAlert } from "./account.server";

const newContext = useTestContexts();

const form = (threshold: string) => {
  const f = new FormData();
  f.set("intent", "low-balance");
  f.set("threshold", threshold);
  return f;
};

function setup() {
  const ctx = newContext();
  const context = ctx as unknown as AppLoadContext;
  const user = createUser(ctx, { email: "alert@example.com" });
  const level = () => getUserById(ctx.db, user.id)!.lowBalanceThreshold;
  return { ctx, context, user, level };
}

describe("the customer's low-balance alert level on /account", () => {
  it("keeps the level the customer sets, turns alerts off at 0, and goes back to the default when emptied", () => {
    const { context, user, level } = setup();
    expect(lowBalanceView(context, user.id)).toEqual({ own: null, defaultLevel: 100 });
    expect(saveLowBalanceAlert(context, user.id, form("250"))).toEqual({
      done: "You will be alerted when your balance falls below 250 credits.",
    });
    expect(level()).toBe(250);
    expect(lowBalanceView(context, user.id).own).toBe(250);
    expect(saveLowBalanceAlert(context, user.id, form("0"))).toEqual({ done: "Low-balance alerts are off." });
    expect(level()).toBe(0);
    expect(saveLowBalanceAlert(context, user.id, form(""))).toMatchObject({ done: expect.stringContaining("100") });
    expect(level()).toBeNull();
  });

  it("answers bad input with the field's error in words and writes nothing", () => {
    const { ctx, context, user, level } = setup();
    saveLowBalanceAlert(context, user.id, form("300"));
    const audits = listRecentAudit(ctx.db).length;
    for (const bad of ["-1", "12.5", "lots", "1000000001"]) {
      const answer = saveLowBalanceAlert(context, user.id, form(bad));
      expect(answer).toMatchObject({ status: 400 });
      if ("reply" in answer) expect(answer.reply.result.error?.threshold?.[0]).toMatch(/whole number of credits/);
    }
    expect(level()).toBe(300);
    expect(listRecentAudit(ctx.db)).toHaveLength(audits);
  });
});
