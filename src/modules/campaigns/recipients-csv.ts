import { parse } from 'csv-parse';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import { PayloadTooLargeError, ValidationFailedError } from '@/infra/errors/domain-error';
import { textProblem } from '@/infra/http/input-check';
import { ROWS_PER_YIELD } from './recipient-intake';

export const MAX_CSV_ROWS = 100_000;
/** 20 MiB: room for 100,000 rows of 200 bytes (typical rows are 40-100). Larger uploads are refused with a 413. */
export const MAX_CSV_BYTES = 20 * 1024 * 1024;

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
 * MAX_CSV_BYTES. The event loop gets a turn every ROWS_PER_YIELD rows, so a large upload does not stall the process.
 *
 * The request stream is never destroyed here (that would take the connection, and the answer, with it): on an error it
 * is unpiped, and the HTTP layer drains or closes what the client has not finished sending.
 */
export async function readRecipientsCsv(
  stream: Readable,
  onRow: (row: unknown, rowNumber: number) => void,
): Promise<void> {
  const checked = new CheckedBytes();
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: 64 * 1024,
  });
  const onSourceError = (err: Error): void => {
    checked.destroy(err);
  };
  stream.on('error', onSourceError);
  checked.on('error', (err) => parser.destroy(err));
  stream.pipe(checked).pipe(parser);
  let header: string[] | null = null;
  let columns: Column[] | null = null;
  let rowNumber = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!columns) {
        header = record;
        checkCells(record, (i) => ['header', `the CSV header (column ${i + 1})`]);
        columns = readHeader(record);
        continue;
      }
      rowNumber++;
      if (rowNumber > MAX_CSV_ROWS) throw new ValidationFailedError(`the CSV has more than ${MAX_CSV_ROWS} rows`);
      const columnName = (i: number): string => (header?.[i] ?? `${i + 1}`).slice(0, 60);
      checkCells(record, (i) => [`row ${rowNumber}: ${columnName(i)}`, `row ${rowNumber}, column ${columnName(i)}`]);
      onRow(
        record.length === columns.length
          ? toRecipient(columns, record)
          : `${record.join(',')} (expected ${columns.length} cells)`,
        rowNumber,
      );
      if (rowNumber % ROWS_PER_YIELD === 0) await turn();
    }
  } catch (err) {
    if (err instanceof ValidationFailedError || err instanceof PayloadTooLargeError) throw err;
    throw new ValidationFailedError(`the CSV could not be read: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    stream.unpipe(checked);
    stream.off('error', onSourceError);
  }
  if (!columns)
    throw new ValidationFailedError('the CSV is empty: it needs a header row (to,name,param.1,field.booking_ref,…)');
}

/** A 413 before reading anything, for an upload that declares (Content-Length) more than MAX_CSV_BYTES. */
export function checkDeclaredCsvSize(contentLength: string | undefined): void {
  if (Number(contentLength) > MAX_CSV_BYTES) throw csvTooLarge();
}

function csvTooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(`the CSV is larger than ${MAX_CSV_BYTES / 1024 / 1024} MiB`);
}

/** Counts the bytes of an upload against MAX_CSV_BYTES and checks that they are UTF-8, passing them on unchanged. */
class CheckedBytes extends Transform {
  private bytes = 0;
  // fatal: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD; stream: characters may span chunks.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > MAX_CSV_BYTES) {
      callback(csvTooLarge());
      return;
    }
    callback(
      this.utf8Problem(() => this.decoder.decode(chunk, { stream: true })),
      chunk,
    );
  }

  override _flush(callback: TransformCallback): void {
    callback(this.utf8Problem(() => this.decoder.decode()));
  }

  private utf8Problem(decode: () => unknown): ValidationFailedError | null {
    try {
      decode();
      return null;
    } catch {
      return new ValidationFailedError(
        `the CSV is not UTF-8 text (at or before byte ${this.bytes}): save it as "CSV UTF-8" and upload it again`,
      );
    }
  }
}

/** Refuses a cell PostgreSQL cannot store (a NUL), naming where it is: `[field, description]` for cell i. */
function checkCells(cells: string[], where: (i: number) => [string, string]): void {
  cells.forEach((cell, i) => {
    const problem = textProblem(cell);
    if (!problem) return;
    const [field, description] = where(i);
    throw new ValidationFailedError(
      `the CSV has a NUL character (\\u0000) in ${description}: PostgreSQL cannot store it`,
      [{ field, problems: [problem] }],
    );
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
