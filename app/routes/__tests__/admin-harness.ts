import type { LoaderFunctionArgs } from "@remix-run/node";
import { commitSessionCookie, createSession } from "../../auth/session.server";
import { createUser } from "../../auth/users.server";
import type { TestContext } from "../../../test/contexts";

/** An admin, a customer and a bystander, with session cookies for the first two. */
export async function adminSetup(ctx: TestContext) {
  const admin = createUser(ctx, { email: "admin@example.com", name: "Admin", role: "admin" });
  const customer = createUser(ctx, { email: "jane.doe@example.com", name: "Jane Doe" });
  createUser(ctx, { email: "bob@example.org", name: "Bob" });
  const cookieFor = async (userId: number) =>
    (await commitSessionCookie(ctx.env, createSession(ctx, { userId }))).split(";")[0];
  return { ctx, admin, customer, adminCookie: await cookieFor(admin.id), customerCookie: await cookieFor(customer.id) };
}

export type Handler = (a: LoaderFunctionArgs) => unknown;

export interface Called {
  status: number;
  location: string | null;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers | null;
  response: Response | null;
}

/**
 * Calls a loader or action the way Remix does (a real Request; a form makes it a POST, sent as
 * a browser without JavaScript would) and normalises what came back or was thrown.
 */
export async function call(
  ctx: TestContext,
  fn: Handler,
  path: string,
  opts: { cookie?: string; form?: Record<string, string> | FormData; params?: Record<string, string> } = {},
): Promise<Called> {
  const headers = new Headers();
  if (opts.cookie) headers.set("cookie", opts.cookie);
  const body = opts.form instanceof FormData ? opts.form : opts.form ? new URLSearchParams(opts.form) : undefined;
  const request = new Request(new URL(path, "http://localhost"), { method: body ? "POST" : "GET", headers, body });
  let out: unknown;
  try {
    out = await fn({ request, params: opts.params ?? {}, context: ctx } as LoaderFunctionArgs);
  } catch (thrown) {
    out = thrown;
  }
  if (out instanceof Response) {
    return {
      status: out.status,
      location: out.headers.get("location"),
      data: null,
      headers: out.headers,
      response: out,
    };
  }
  if (out && typeof out === "object" && (out as { type?: string }).type === "DataWithResponseInit") {
    const d = out as { data: unknown; init: ResponseInit | null };
    return {
      status: d.init?.status ?? 200,
      location: null,
      data: d.data,
      headers: new Headers(d.init?.headers),
      response: null,
    };
  }
  return { status: 200, location: null, data: out, headers: null, response: null };
}
