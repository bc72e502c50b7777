import { Readable } from 'node:stream';
import { ValidationFailedError } from '@/infra/errors/domain-error';
import { readCsvUpload } from '@/infra/http/csv-upload';
import { ROWS_PER_YIELD } from './recipient-intake';

export { checkDeclaredCsvSize, MAX_CSV_BYTES } from '@/infra/http/csv-upload';

export const MAX_CSV_ROWS = 100_000;

const ADDRESS_COLUMNS = ['to', 'phone', 'address', 'recipient', 'number'];
const PARAMETER_PREFIXES = ['param.', 'parameter.'];
const FIELD_PREFIXES = ['field.', 'customfield.', 'cf.'];
const TIME_ZONE_COLUMNS = ['timezone', 'time_zone', 'tz'];

type Column =
  | { kind: 'to' }
  | { kind: 'name' }
  | { kind: 'timeZone' }
  | { kind: 'parameter'; key: string }
  | { kind: 'field'; key: string };

/**
 * Streams a recipients CSV: a header row, then one recipient per row. Columns: `to` (or phone, address, recipient,
 * number), optional `name`, optional `timeZone` (or time_zone, tz: the recipient's IANA zone), template parameters as
 * `param.<name>` and contact custom fields as `field.<ident>`.
 * Calls `onRow` with each row as a recipient object (row numbers count data rows from 1); rows with the wrong number
 * of cells are passed as text, so intake rejects them with their row number. Throws ValidationFailedError for a bad
 * header, too many rows, text that is not UTF-8, a NUL in a field or malformed CSV, and PayloadTooLargeError past
 * MAX_CSV_BYTES (see readCsvUpload). The event loop gets a turn every ROWS_PER_YIELD rows; a promise `onRow` returns
 * is awaited before the next row is read (the upload waits meanwhile).
 */
export async function readRecipientsCsv(
  stream: Readable,
  onRow: (row: unknown, rowNumber: number) => void | Promise<void>,
): Promise<void> {
  let columns: Column[] = [];
  await readCsvUpload(stream, {
    maxRows: MAX_CSV_ROWS,
    rowsPerYield: ROWS_PER_YIELD,
    emptyMessage: 'the CSV is empty: it needs a header row (to,name,param.1,field.booking_ref,…)',
    onHeader: (cells) => {
      columns = readHeader(cells);
    },
    onRecord: (record, rowNumber) =>
      onRow(
        record.length === columns.length
          ? toRecipient(columns, record)
          : `${record.join(',')} (expected ${columns.length} cells)`,
        rowNumber,
      ),
  });
}

function readHeader(cells: string[]): Column[] {
  const columns = cells.map((cell): Column => {
    const name = cell.trim().toLowerCase();
    if (ADDRESS_COLUMNS.includes(name)) return { kind: 'to' };
    if (name === 'name') return { kind: 'name' };
    if (TIME_ZONE_COLUMNS.includes(name)) return { kind: 'timeZone' };
    const parameter = PARAMETER_PREFIXES.find((p) => name.startsWith(p));
    if (parameter && cell.trim().length > parameter.length)
      return { kind: 'parameter', key: cell.trim().slice(parameter.length) };
    const field = FIELD_PREFIXES.find((p) => name.startsWith(p));
    if (field && cell.trim().length > field.length) return { kind: 'field', key: cell.trim().slice(field.length) };
    throw new ValidationFailedError(
      `unknown CSV column "${cell.slice(0, 60)}": use to, name, timeZone, param.<name> or field.<ident>`,
      [{ field: 'header', problems: [`unknown column ${cell.slice(0, 60)}`] }],
    );
  });
  if (columns.filter((c) => c.kind === 'timeZone').length > 1)
    throw new ValidationFailedError('the CSV header has more than one time zone column (timeZone, time_zone, tz)');
  if (columns.filter((c) => c.kind === 'to').length !== 1) {
    throw new ValidationFailedError(
      'the CSV header needs exactly one address column (to, phone, address, recipient or number)',
    );
  }
  return columns;
}

function toRecipient(columns: Column[], cells: string[]): Record<string, unknown> {
  const row: {
    to?: string;
    name?: string;
    timeZone?: string;
    parameters?: Record<string, string>;
    customFields?: Record<string, string>;
  } = {};
  columns.forEach((column, i) => {
    const value = cells[i] ?? '';
    if (value === '') return;
    switch (column.kind) {
      case 'to':
        row.to = value;
        break;
      case 'name':
        row.name = value;
        break;
      case 'timeZone':
        row.timeZone = value;
        break;
      case 'parameter':
        (row.parameters ??= {})[column.key] = value;
        break;
      case 'field':
        (row.customFields ??= {})[column.key] = value;
        break;
    }
  });
  return row;
}
