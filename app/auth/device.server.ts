import { createCookie, type Cookie } from "@remix-run/node";
import { randomBytes } from "node:crypto";
import type { Env } from "../utils/env.server";
import { secureCookiesFor } from "./session.server";

/**
 * The device cookie: a random device id and the accounts that logged in from this browser,
 * signed with SESSION_SECRET, set at every successful login or sign-up. A login for one of those
 * accounts is throttled as that device rather than by its address (./throttle.server.ts), so a
 * stranger's failed guesses elsewhere (or behind the same address) never lock its owner out.
 * It grants nothing by itself: the password is still checked.
 */
const DEVICE_COOKIE_DAYS = 365;
const MAX_ACCOUNTS = 10;
const ID_RE = /^[A-Za-z0-9_-]{22}$/;

interface Device {
  id: string;
  users: number[];
}

const cookies = new WeakMap<Env, Cookie>();

function deviceCookie(env: Env): Cookie {
  let cookie = cookies.get(env);
  if (!cookie) {
    const secure = secureCookiesFor(env);
    cookie = createCookie(secure ? "__Host-device" : "device", {
      httpOnly: true,
      sameSite: "lax",
      secure,
      path: "/",
      maxAge: DEVICE_COOKIE_DAYS * 86_400,
      secrets: [env.sessionSecret],
    });
    cookies.set(env, cookie);
  }
  return cookie;
}

/** The device a correctly signed cookie names, else null. */
async function readDevice(request: Request, env: Env): Promise<Device | null> {
  const value: unknown = await deviceCookie(env).parse(request.headers.get("Cookie"));
  if (!value || typeof value !== "object") return null;
  const { id, users } = value as Partial<Device>;
  if (typeof id !== "string" || !ID_RE.test(id) || !Array.isArray(users)) return null;
  return { id, users: users.filter((u): u is number => Number.isSafeInteger(u)) };
}

/** The device id when this request's device has logged into `userId` before, else null. */
export async function knownDeviceFor(request: Request, env: Env, userId: number | undefined): Promise<string | null> {
  if (userId === undefined) return null;
  const device = await readDevice(request, env);
  return device && device.users.includes(userId) ? device.id : null;
}

/** Set-Cookie for after a successful login: this device (or a new one) now knows `userId`. */
export async function rememberDevice(request: Request, env: Env, userId: number): Promise<string> {
  const device = await readDevice(request, env);
  const id = device?.id ?? randomBytes(16).toString("base64url");
  const users = [userId, ...(device?.users ?? []).filter((u) => u !== userId)].slice(0, MAX_ACCOUNTS);
  return deviceCookie(env).serialize({ id, users } satisfies Device);
}
