/** A number, or an ISO date (or date-time): cells a spreadsheet must keep as values, untouched. */
const PLAIN_VALUE = /^(-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)$/;

/**
 * One CSV cell, the only place cells are written. Text a spreadsheet would run as a formula (its
 * first non-blank character is = + - @, or it starts with a tab or CR) gets OWASP's leading ',
 * since spreadsheets skip leading blanks before a formula; numbers and ISO dates stay as they are.
 * A cell holding , ; " a tab or a line break is quoted (RFC 4180), so a spreadsheet that splits on
 * ";" or tabs cannot cut a formula out of the middle of a cell either.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (typeof value === "string" && !PLAIN_VALUE.test(s) && /^(\s*[=+\-@]|[\t\r])/.test(s)) s = `'${s}`;
  return /[",;\t\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line of cells, CRLF-terminated. */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

/**
 * A CSV download streamed from a generator of chunks: the next chunk is produced only when the
 * client has taken the previous one (pull), so memory stays constant for any size of export.
 */
export function csvResponse(chunks: Iterator<string>, filename: string): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      cancel() {
        chunks.return?.(undefined);
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(stream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      "Cache-Control": "no-store",
    },
  });
}
