/* The kinds of mail the app sends, and which a customer may turn off. Client-safe: the account page uses it. */
export type MailKind = "password_reset" | "credits_expiring" | "low_balance" | "payment_failed" | "topup_receipt";

/** Security mail always goes out: a customer cannot opt out of learning how to get back in. */
export const SECURITY_KINDS: readonly MailKind[] = ["password_reset"];

/** The kinds a customer may turn off, in the order the settings list them, with their words. */
export const OPTIONAL_KINDS = [
  { kind: "credits_expiring", label: "Credits about to expire", hint: "A week before unused credits expire." },
  { kind: "low_balance", label: "Low balance", hint: "When your balance falls below your low-balance threshold." },
  { kind: "payment_failed", label: "Failed payments", hint: "When a subscription payment does not go through." },
  { kind: "topup_receipt", label: "Top-up receipts", hint: "A receipt for every credit pack you buy." },
] as const satisfies readonly { kind: MailKind; label: string; hint: string }[];

export type OptionalKind = (typeof OPTIONAL_KINDS)[number]["kind"];

export function isOptionalKind(kind: string): kind is OptionalKind {
  return OPTIONAL_KINDS.some((k) => k.kind === kind);
}
