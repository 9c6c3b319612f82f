import { CsvError, type Options } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { Invalid } from "../errors.ts";

// Reading an uploaded CSV apart from what its rows mean, so that every import checks a file's shape the same way.

export const MAX_COLUMNS = 200;

// Blank lines, and rows of nothing but delimiters (spreadsheets export trailing ones), are not rows at all.
export const csvOptions = (delimiter: string): Options => ({ bom: true, delimiter, relax_column_count: true, skip_empty_lines: true, skip_records_with_empty_values: true, max_record_size: 128_000 });

/** Comma or semicolon: whichever the header line holds more of outside quotes (a header naming "a;b" stays one). */
export function sniffDelimiter(text: string): "," | ";" {
  let quoted = false;
  let commas = 0;
  let semis = 0;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && ch === ",") commas++;
    else if (!quoted && ch === ";") semis++;
  }
  return semis > commas ? ";" : ",";
}

const bad = (message: string) => new Invalid({ file: message });

/** Checks an upload is UTF-8 CSV (BOM or not) and reads its shape; anything else is a 422 that says what to do. */
export function inspectCsv(bytes: Uint8Array): { hasBom: boolean; delimiter: "," | ";"; header: string[] } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw bad("This file is saved as UTF-16. Save it as “CSV UTF-8” and upload it again.");
  }
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(hasBom ? bytes.subarray(3) : bytes);
  } catch {
    throw bad("This file is not UTF-8 text. Save it as “CSV UTF-8” (or UTF-8 text) and upload it again.");
  }
  if (text.includes("\0")) throw bad("This file holds binary data, not CSV text.");
  if (text.trim() === "") throw bad("This file is empty.");
  const delimiter = sniffDelimiter(text);
  let records: string[][];
  try {
    records = parseSync(text, { ...csvOptions(delimiter), to: 2 });
  } catch (err) {
    if (err instanceof CsvError) throw bad(`This file is not valid CSV: ${err.message}`);
    throw err;
  }
  const header = (records[0] ?? []).map((h) => h.trim().slice(0, 200));
  if (header.every((h) => h === "")) throw bad("The first line must name the columns.");
  if (header.length > MAX_COLUMNS) throw bad(`The file has ${header.length} columns; at most ${MAX_COLUMNS} can be imported.`);
  if (records.length < 2) throw bad("The file has a header line but no rows to import.");
  return { hasBom, delimiter, header };
}

/** The first rows after the header, from the start of the file (which may end mid-record: what parsed is kept). */
export function sampleRows(prefix: Uint8Array, delimiter: string, n = 10): string[][] {
  const rows: string[][] = [];
  try {
    parseSync(new TextDecoder().decode(prefix), { ...csvOptions(delimiter), to: n + 1, on_record: (r: string[]) => (rows.push(r), r) });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
  }
  return rows.slice(1, n + 1);
}
