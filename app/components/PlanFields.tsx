import type { FieldMetadata } from "@conform-to/react";
import { Field } from "./forms";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any form's field, as in ./forms
type AnyField = FieldMetadata<any, any, string[]>;

/** A subscription plan's rollover terms (the new-plan form and a draft plan's edit form). */
export function RolloverFields({ percent, cap }: { percent: AnyField; cap: AnyField }) {
  return (
    <>
      <Field
        field={percent}
        label="Rollover (%)"
        optional
        inputMode="numeric"
        hint="Share of a period's unused plan credits carried into the next period (0–100; empty = 0, none)."
      />
      <Field
        field={cap}
        label="Rollover cap (credits)"
        optional
        inputMode="numeric"
        hint="At most this many credits roll over per renewal. Empty = no cap beyond the percentage."
      />
    </>
  );
}
