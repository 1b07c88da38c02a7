/**
 * A customer as a browser makes one against the production server: signs up, buys the 500-credit
 * pack through Checkout on the offline Stripe, and pays (which saves the card). Shared by the
 * production tests that need a paying customer.
 */
import { expect } from "vitest";

type Query = <T>(sql: string, ...args: unknown[]) => T[];

export async function signUpAndBuyPack(
  app: string,
  query: Query,
  person: { email: string; name: string },
): Promise<{ userId: number; cookie: string; packId: number }> {
  const signup = await fetch(`${app}/signup`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: app },
    body: new URLSearchParams({ ...person, password: "a long enough password 123" }),
    redirect: "manual",
  });
  expect(signup.status).toBe(302);
  const cookie = signup.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const [{ id: packId }] = query<{ id: number }>(`select id from topup_plans where internal_id = 'pack-500'`);
  const buy = await fetch(`${app}/billing?index`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: app, cookie },
    body: new URLSearchParams({ intent: "topup", planId: String(packId), quantity: "1" }),
    redirect: "manual",
  });
  const checkout = buy.headers.get("location") ?? buy.headers.get("x-remix-redirect") ?? "";
  expect(checkout, `${buy.status} ${(await buy.text()).slice(0, 300)}`).toMatch(/\/_offline-stripe\/checkout\/cs_/);
  const pay = await fetch(`${new URL(checkout, app).toString()}/pay`, {
    method: "POST",
    headers: { origin: app, cookie },
    redirect: "manual",
  });
  expect(pay.status).toBe(303);
  const [{ id: userId }] = query<{ id: number }>(`select id from users where email = ?`, person.email);
  return { userId, cookie, packId };
}
