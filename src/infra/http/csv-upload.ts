import { parse } from 'csv-parse';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import { PayloadTooLargeError, ValidationFailedError } from '@/infra/errors/domain-error';
import { textProblem } from '@/infra/http/input-check';

/** 20 MiB: room for 100,000 rows of 200 bytes (typical rows are 40-100). Larger uploads are refused with a 413. */
export const MAX_CSV_BYTES = 20 * 1024 * 1024;
/** The longest record the parser accepts (a longer one is a 400, before it is held in memory). */
const MAX_RECORD_BYTES = 64 * 1024;

export interface CsvUploadReader {
  /** Data rows beyond this many are a 400. */
  maxRows: number;
  /** The event loop gets a turn every this many rows, so a large upload does not stall the process. */
  rowsPerYield: number;
  /** What the 400 for an upload without even a header row says. */
  emptyMessage: string;
  /** Reads the header row (its cells checked for NUL already); throws ValidationFailedError for a bad one. */
  onHeader(cells: string[]): void;
  /** Takes one data row (numbered from 1); a returned promise is awaited before the next row is read. */
  onRecord(cells: string[], rowNumber: number): void | Promise<void>;
}

/**
 * Streams a CSV upload (a header row, then data rows) through `reader`: bytes are counted against MAX_CSV_BYTES and
 * checked to be UTF-8 as they arrive, a BOM is dropped, cells are trimmed, empty lines skipped and rows may have any
 * number of cells (the reader decides). Throws ValidationFailedError for a bad header, too many rows, text that is
 * not UTF-8, a NUL in a cell or malformed CSV, and PayloadTooLargeError past MAX_CSV_BYTES; errors `onRecord` throws
 * pass through unchanged. Shared by the campaign recipients upload and the opt-out import.
 *
 * The request stream is never destroyed here (that would take the connection, and the answer, with it): on an error it
 * is unpiped, and the HTTP layer drains or closes what the client has not finished sending.
 */
export async function readCsvUpload(stream: Readable, reader: CsvUploadReader): Promise<void> {
  const checked = new CheckedBytes();
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_BYTES,
  });
  const onSourceError = (err: Error): void => {
    checked.destroy(err);
  };
  stream.on('error', onSourceError);
  checked.on('error', (err) => parser.destroy(err));
  stream.pipe(checked).pipe(parser);
  let header: string[] | null = null;
  let rowNumber = 0;
  let fromReader = false;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        checkCells(record, (i) => ['header', `the CSV header (column ${i + 1})`]);
        fromReader = true;
        reader.onHeader(record);
        fromReader = false;
        header = record;
        continue;
      }
      rowNumber++;
      if (rowNumber > reader.maxRows) throw new ValidationFailedError(`the CSV has more than ${reader.maxRows} rows`);
      const columnName = (i: number): string => (header?.[i] ?? `${i + 1}`).slice(0, 60);
      checkCells(record, (i) => [`row ${rowNumber}: ${columnName(i)}`, `row ${rowNumber}, column ${columnName(i)}`]);
      fromReader = true;
      await reader.onRecord(record, rowNumber);
      fromReader = false;
      if (rowNumber % reader.rowsPerYield === 0) await turn();
    }
  } catch (err) {
    if (fromReader || err instanceof ValidationFailedError || err instanceof PayloadTooLargeError) throw err;
    throw new ValidationFailedError(`the CSV could not be read: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    stream.unpipe(checked);
    stream.off('error', onSourceError);
  }
  if (!header) throw new ValidationFailedError(reader.emptyMessage);
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

/** One CSV line of `cells` (RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled). */
export function csvLine(cells: ReadonlyArray<string | null>): string {
  return (
    cells
      .map((cell) => (cell === null ? '' : /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell))
      .join(',') + '\n'
  );
}
