/**
 * True when `s` has at least one character a person can see: not whitespace, not a control or
 * format character (so "\u0000", "\u200b" or "   " alone is not a reason). Client-safe.
 */
export function hasVisibleCharacter(s: string): boolean {
  return /[^\p{White_Space}\p{C}]/u.test(s);
}
