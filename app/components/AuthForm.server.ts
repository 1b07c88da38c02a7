import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { getOptionalUser, safeRedirect } from "~/auth/session.server";

/** The login and signup pages' loader: someone already logged in goes straight to `redirectTo`. */
export async function redirectLoggedInVisitor({ request, context }: LoaderFunctionArgs) {
  if (await getOptionalUser(request, context)) {
    throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo"), context.env.appUrl));
  }
  return null;
}
