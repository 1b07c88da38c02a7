/** What every page says while payments go to the offline Stripe (DEMO=1, development, tests). */
export const DEMO_BANNER_TEXT = "Demo — no real payments";

export function DemoBanner() {
  return (
    <p className="bg-amber-100 px-4 py-2 text-center text-sm font-medium text-amber-900" role="note">
      {DEMO_BANNER_TEXT}: payments go to a built-in test Stripe and no money moves.
    </p>
  );
}
