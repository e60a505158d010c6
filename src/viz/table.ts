/**
 * Plain-text tables for `console.log` in a notebook: columns that line up whatever the width
 * of their header or of their numbers.
 *
 * @packageDocumentation
 */
import { describeValue, tooManyArguments } from '../validate';

/**
 * `header` and `rows` as lines of text, each column as wide as its widest cell (header
 * included), two spaces apart: the first column left-aligned (names), the others
 * right-aligned (numbers line up on their last digit). Format numbers first (`toFixed`);
 * a number given as it is is printed with `String`.
 */
export function textTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  if (arguments.length > 2) tooManyArguments('textTable', 2, arguments.length, 'header, rows');
  if (!Array.isArray(header) || header.length === 0 || header.some((h) => typeof h !== 'string')) {
    throw new TypeError(`textTable: header must be a non-empty array of strings, got ${describeValue(header)}`);
  }
  if (!Array.isArray(rows)) throw new TypeError(`textTable: rows must be an array of rows, got ${describeValue(rows)}`);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== header.length) {
      const got = Array.isArray(row) ? `${row.length} cells` : describeValue(row);
      throw new RangeError(`textTable: row ${i} must have ${header.length} cells (one per header column), got ${got}`);
    }
    row.forEach((cell, j) => {
      if (typeof cell !== 'string' && typeof cell !== 'number') {
        throw new TypeError(
          `textTable: row ${i}, column ${j} must be a string or a number, got ${describeValue(cell)}`,
        );
      }
    });
  });
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return cells.map(line).join('\n');
}
