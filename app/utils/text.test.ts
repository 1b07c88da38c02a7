import { describe, expect, it } from "vitest";
import { hasVisibleCharacter } from "./text";

describe("hasVisibleCharacter", () => {
  it("sees letters, digits and symbols, in any script", () => {
    for (const s of ["a", " x ", "1", "€", "日本", "🙂", "\u0000ok"])
      expect(hasVisibleCharacter(s), JSON.stringify(s)).toBe(true);
  });

  it("does not count blanks, control or format characters", () => {
    for (const s of ["", " ", "\u0000", "\t\r\n", "\u00a0\u3000", "\u200b\u200e\ufeff", "\u0000\u0001 "]) {
      expect(hasVisibleCharacter(s), JSON.stringify(s)).toBe(false);
    }
  });
});
