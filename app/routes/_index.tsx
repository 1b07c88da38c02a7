import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getOptionalUser } from "~/auth/session.server";
import { ButtonLink } from "~/components/ui";

export const meta: MetaFunction = () => [
  { title: "Credits — usage billing" },
  { name: "description", content: "Buy credits once or by subscription, and spend them on what you use." },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request, context);
  return { user: user ? { name: user.name } : null };
}

const FEATURES = [
  { title: "Subscribe", text: "A monthly plan tops your balance up every billing period." },
  { title: "Top up", text: "Buy a credit pack whenever you need more, no subscription required." },
  {
    title: "One published spending order",
    text: "Subscription credits are used first, then promotional credits, then top-ups; within each kind, the ones that expire soonest go first.",
  },
  {
    title: "Warned before anything expires",
    text: "Your balance by kind with every expiry date, a warning a week before credits expire, and a forecast of when you run out.",
  },
];

export default function Index() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-12">
      <section className="max-w-2xl">
        <h1 className="text-3xl font-bold tracking-tight text-slate-900 sm:text-4xl">
          Pay for what you use, in credits
        </h1>
        <p className="mt-4 text-lg text-slate-600">
          Buy credits once or by subscription, and spend them on what you use. Your balance, what it is made of and when
          it expires are always one click away.
        </p>
        <div className="mt-6 flex flex-wrap gap-3">
          {user ? (
            <ButtonLink to="/credits">Go to your credits</ButtonLink>
          ) : (
            <>
              <ButtonLink to="/signup">Create an account</ButtonLink>
              <ButtonLink to="/login" variant="secondary">
                Log in
              </ButtonLink>
            </>
          )}
        </div>
      </section>
      <section aria-labelledby="features-heading">
        <h2 id="features-heading" className="sr-only">
          How it works
        </h2>
        <ul className="grid gap-4 sm:grid-cols-2">
          {FEATURES.map((f) => (
            <li key={f.title} className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
              <h3 className="font-semibold text-slate-900">{f.title}</h3>
              <p className="mt-1 text-sm text-slate-600">{f.text}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
