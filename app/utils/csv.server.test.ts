import { describe, expect, it } from "vitest";
import { csvCell, csvLine } from "./csv.server";

describe("csvCell", () => {
  it("neutralises text a spreadsheet would run as a formula, even behind blanks", () => {
    for (const [input, cell] of [
      ["=1+1", "'=1+1"],
      ["+1", "'+1"],
      ["-1+1", "'-1+1"],
      ["@SUM(A1)", "'@SUM(A1)"],
      ["  =1+1", "'  =1+1"],
      ["\u00a0@x", "'\u00a0@x"],
      ["\t=1+1", '"\'\t=1+1"'],
      ["\r=1+1", '"\'\r=1+1"'],
      ["\tplain", '"\'\tplain"'],
    ] as const) {
      expect(csvCell(input), JSON.stringify(input)).toBe(cell);
    }
  });

  it("quotes cells holding a comma, semicolon, quote, tab or line break", () => {
    expect(csvCell("render;=1+1;")).toBe('"render;=1+1;"');
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("a\tb")).toBe('"a\tb"');
    expect(csvCell("=A1;B2")).toBe(`"'=A1;B2"`);
  });

  it("leaves numbers, ISO dates and ordinary text as they are", () => {
    expect(csvCell(-50)).toBe("-50");
    expect(csvCell("-50")).toBe("-50");
    expect(csvCell(0)).toBe("0");
    expect(csvCell("2026-12-07")).toBe("2026-12-07");
    expect(csvCell("2026-12-07T10:00:00.000Z")).toBe("2026-12-07T10:00:00.000Z");
    expect(csvCell("monthly renewal")).toBe("monthly renewal");
    expect(csvCell(null)).toBe("");
  });

  it("writes a CRLF-terminated line", () => {
    expect(csvLine([1, "=x", null, "a;b"])).toBe(`1,'=x,,"a;b"\r\n`);
  });
});
