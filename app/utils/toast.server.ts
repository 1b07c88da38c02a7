import { createCookie, type Cookie } from "@remix-run/node";
import type { Env } from "./env.server";

/**
 * A one-time message carried across a redirect in a signed cookie (the page after a POST reads and
 * clears it), so a reload never repeats the action and the URL carries no "done" code.
 */
export interface Toast {
  tone: "success" | "error";
  message: string;
}

const cookies = new WeakMap<Env, Cookie>();

function toastCookie(env: Env): Cookie {
  let cookie = cookies.get(env);
  if (!cookie) {
    cookie = createCookie("toast", {
      httpOnly: true,
      sameSite: "lax",
      secure: env.NODE_ENV === "production" && env.appUrl.startsWith("https://"),
      path: "/",
      maxAge: 60,
      secrets: [env.sessionSecret],
    });
    cookies.set(env, cookie);
  }
  return cookie;
}

/** The Set-Cookie value that carries `toast` to the next page. */
export function setToast(env: Env, toast: Toast): Promise<string> {
  return toastCookie(env).serialize({ tone: toast.tone, message: toast.message.slice(0, 500) });
}

/** The pending toast (if any) and the Set-Cookie value that clears it. */
export async function takeToast(request: Request, env: Env): Promise<{ toast: Toast | null; clear: string | null }> {
  const value = (await toastCookie(env).parse(request.headers.get("Cookie"))) as Partial<Toast> | null;
  if (!value || typeof value.message !== "string") return { toast: null, clear: null };
  const toast: Toast = { tone: value.tone === "error" ? "error" : "success", message: value.message };
  return { toast, clear: await toastCookie(env).serialize("", { maxAge: 0 }) };
}
