import type { MetaFunction } from "@remix-run/node";

export const meta: MetaFunction = () => [{ title: "Credits — usage billing" }];

export default function Index() {
  return (
    <main className="mx-auto max-w-3xl p-8">
      <h1 className="text-3xl font-bold">Credits</h1>
      <p className="mt-2 text-slate-600">Buy credits once or by subscription, and spend them on what you use.</p>
    </main>
  );
}
