import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { endSession } from "~/auth/session.server";

/** Logging out is a POST (a link or prefetch must never end a session); GET just goes home. */
export async function loader() {
  return redirect("/");
}

export async function action({ request, context }: ActionFunctionArgs) {
  return redirect("/", { headers: { "Set-Cookie": await endSession(context, request) } });
}
