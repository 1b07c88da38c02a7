/** How deep request bodies and stored metadata may nest objects and arrays. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether valid JSON text nests objects/arrays deeper than `max`. A scan of the text rather than
 * a walk of the parsed value: no recursion, so no depth can overflow it.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote; a backslash escapes the next character.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
