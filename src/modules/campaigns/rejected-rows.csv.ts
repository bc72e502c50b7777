import type { RejectedRow } from './recipient-intake';

/** The rows intake refused, as CSV: row,reason,input (fields quoted). */
export function rejectedRowsCsv(rows: RejectedRow[]): string {
  const quote = (v: string): string => `"${v.replace(/"/g, '""')}"`;
  return (
    ['row,reason,input', ...rows.map((r) => `${r.rowNumber},${quote(r.reason)},${quote(r.input)}`)].join('\n') + '\n'
  );
}
