import { Readable } from 'node:stream';
import type { RejectedRowCursor, RejectedRowPage } from './recipients.repository';

/** Refused rows read per query while the download streams (the file is never held whole in memory). */
export const REJECTED_ROWS_PAGE = 1000;

const quote = (v: string): string => `"${v.replace(/"/g, '""')}"`;

/** The rows intake refused, as CSV: row,reason,input (fields quoted), read page by page in row order. */
export function rejectedRowsCsv(
  page: (after: RejectedRowCursor | null, limit: number) => Promise<RejectedRowPage>,
  pageSize = REJECTED_ROWS_PAGE,
): Readable {
  async function* lines(): AsyncGenerator<string> {
    yield 'row,reason,input\n';
    let after: RejectedRowCursor | null = null;
    for (;;) {
      const { rows, next }: RejectedRowPage = await page(after, pageSize);
      if (rows.length > 0) yield rows.map((r) => `${r.rowNumber},${quote(r.reason)},${quote(r.input)}\n`).join('');
      if (rows.length < pageSize || !next) return;
      after = next;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}
