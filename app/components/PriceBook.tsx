import { formatCredits, plural } from "./format";

/** "3 credits per image", "1 credit per 1,000 tokens". */
export function priceText(price: { credits: number; perUnits: number }, unitName: string): string {
  const units = price.perUnits === 1 ? unitName : `${formatCredits(price.perUnits)} ${pluralUnit(unitName)}`;
  return `${plural(price.credits, "credit")} per ${units}`;
}

/** "token" → "tokens" (unit names are nouns the admin typed; a trailing "s" is left alone). */
function pluralUnit(unitName: string): string {
  return unitName.endsWith("s") ? unitName : `${unitName}s`;
}

/** "1,000 tokens", "1 image". */
export function unitsText(n: number, unitName: string): string {
  return `${formatCredits(n)} ${n === 1 ? unitName : pluralUnit(unitName)}`;
}
