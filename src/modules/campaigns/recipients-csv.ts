import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import { ValidationFailedError } from '@/infra/errors/domain-error';

export const MAX_CSV_ROWS = 100_000;
export const MAX_CSV_BYTES = 64 * 1024 * 1024;

const ADDRESS_COLUMNS = ['to', 'phone', 'address', 'recipient', 'number'];
const PARAMETER_PREFIXES = ['param.', 'parameter.'];
const FIELD_PREFIXES = ['field.', 'customfield.', 'cf.'];

type Column = { kind: 'to' } | { kind: 'name' } | { kind: 'parameter'; key: string } | { kind: 'field'; key: string };

/**
 * Streams a recipients CSV: a header row, then one recipient per row. Columns: `to` (or phone, address, recipient,
 * number), optional `name`, template parameters as `param.<name>` and contact custom fields as `field.<ident>`.
 * Calls `onRow` with each row as a recipient object (row numbers count data rows from 1); rows with the wrong number
 * of cells are passed as text, so intake rejects them with their row number. Throws ValidationFailedError for a bad
 * header, too many rows or bytes, or malformed CSV.
 */
export async function readRecipientsCsv(
  stream: Readable,
  onRow: (row: unknown, rowNumber: number) => void,
): Promise<void> {
  let bytes = 0;
  stream.on('data', (chunk: Buffer | string) => {
    bytes += chunk.length;
    if (bytes > MAX_CSV_BYTES)
      stream.destroy(new ValidationFailedError(`the CSV is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB`));
  });
  const parser = stream.pipe(
    parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, max_record_size: 64 * 1024 }),
  );
  stream.on('error', (err) => parser.destroy(err));
  let columns: Column[] | null = null;
  let rowNumber = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!columns) {
        columns = readHeader(record);
        continue;
      }
      rowNumber++;
      if (rowNumber > MAX_CSV_ROWS) throw new ValidationFailedError(`the CSV has more than ${MAX_CSV_ROWS} rows`);
      onRow(
        record.length === columns.length
          ? toRecipient(columns, record)
          : `${record.join(',')} (expected ${columns.length} cells)`,
        rowNumber,
      );
    }
  } catch (err) {
    if (err instanceof ValidationFailedError) throw err;
    throw new ValidationFailedError(`the CSV could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!columns)
    throw new ValidationFailedError('the CSV is empty: it needs a header row (to,name,param.1,field.booking_ref,…)');
}

function readHeader(cells: string[]): Column[] {
  const columns = cells.map((cell): Column => {
    const name = cell.trim().toLowerCase();
    if (ADDRESS_COLUMNS.includes(name)) return { kind: 'to' };
    if (name === 'name') return { kind: 'name' };
    const parameter = PARAMETER_PREFIXES.find((p) => name.startsWith(p));
    if (parameter && cell.trim().length > parameter.length)
      return { kind: 'parameter', key: cell.trim().slice(parameter.length) };
    const field = FIELD_PREFIXES.find((p) => name.startsWith(p));
    if (field && cell.trim().length > field.length) return { kind: 'field', key: cell.trim().slice(field.length) };
    throw new ValidationFailedError(
      `unknown CSV column "${cell.slice(0, 60)}": use to, name, param.<name> or field.<ident>`,
      [{ field: 'header', problems: [`unknown column ${cell.slice(0, 60)}`] }],
    );
  });
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
