import { Readable } from 'node:stream';
import { PayloadTooLargeError, ValidationFailedError } from '@/infra/errors/domain-error';
import { largestStepBetweenTurns } from '@test/helpers/event-loop';
import { ROWS_PER_YIELD } from './recipient-intake';
import { MAX_CSV_BYTES, readRecipientsCsv } from './recipients-csv';

async function read(chunks: Array<string | Buffer>): Promise<unknown[]> {
  const rows: unknown[] = [];
  await readRecipientsCsv(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), (row) => {
    rows.push(row);
  });
  return rows;
}

async function failure(chunks: Array<string | Buffer>): Promise<unknown> {
  return read(chunks).then(
    () => 'no error',
    (err: unknown) => err,
  );
}

describe('readRecipientsCsv', () => {
  it('reads recipients with parameters and custom fields, a BOM and characters split across chunks', async () => {
    const text = '\ufeffto,name,param.1,field.ref\n+12025550143,Zoë,BA1,X\n';
    const bytes = Buffer.from(text);
    const split = bytes.indexOf(Buffer.from('ë')) + 1; // inside the two bytes of ë
    expect(await read([bytes.subarray(0, split), bytes.subarray(split)])).toEqual([
      { to: '+12025550143', name: 'Zoë', parameters: { '1': 'BA1' }, customFields: { ref: 'X' } },
    ]);
  });

  it("reads a recipient's time zone from a timeZone, time_zone or tz column", async () => {
    expect(await read(['to,timeZone\n+12025550143,Asia/Tokyo\n+12025550144,\n'])).toEqual([
      { to: '+12025550143', timeZone: 'Asia/Tokyo' },
      { to: '+12025550144' },
    ]);
    expect(await read(['TZ,to\nEurope/Paris,+12025550143\n'])).toEqual([
      { to: '+12025550143', timeZone: 'Europe/Paris' },
    ]);
    expect(await read(['to,time_zone\n+12025550143,UTC\n'])).toEqual([{ to: '+12025550143', timeZone: 'UTC' }]);
    expect(String(await failure(['to,tz,timezone\n+12025550143,UTC,UTC\n']))).toContain(
      'more than one time zone column',
    );
  });

  it('refuses a NUL in a field, naming the row and the column', async () => {
    const err = await failure(['to,name\n+12025550143,Ana\n+12025550144,B\u0000b\n']);
    expect(err).toBeInstanceOf(ValidationFailedError);
    expect((err as ValidationFailedError).message).toBe(
      'the CSV has a NUL character (\\u0000) in row 2, column name: PostgreSQL cannot store it',
    );
    expect((err as ValidationFailedError).details).toEqual([
      { field: 'row 2: name', problems: ['must not contain NUL characters (\\u0000)'] },
    ]);
  });

  it('refuses bytes that are not UTF-8 (a file saved as Latin-1) instead of reading U+FFFD', async () => {
    const err = await failure([Buffer.from('to,name\n+12025550143,Jos\xe9\n', 'latin1')]);
    expect(err).toBeInstanceOf(ValidationFailedError);
    expect((err as Error).message).toContain('not UTF-8');
  });

  it(`refuses more than ${MAX_CSV_BYTES / 1024 / 1024} MiB with a 413, however few the rows`, async () => {
    const row = `+12025550143,${'x'.repeat(1000)}\n`;
    const mib = row.repeat(Math.ceil((1024 * 1024) / row.length));
    const err = await failure(['to,field.note\n', mib.repeat(21)]); // the bytes are counted before they are parsed
    expect(err).toBeInstanceOf(PayloadTooLargeError);
  });

  it('answers a record over the size limit with a 400', async () => {
    const err = await failure([`to,name\n+12025550143,${'n'.repeat(1_000_000)}\n`]);
    expect(err).toBeInstanceOf(ValidationFailedError);
    expect((err as Error).message).toContain('could not be read');
  });

  it(`gives the event loop a turn at least every ${ROWS_PER_YIELD} rows`, async () => {
    let csv = 'to,name\n';
    for (let i = 0; i < 5000; i++) csv += `+1202${String(3000000 + i)},Name ${i}\n`;
    let rows = 0;
    const largest = await largestStepBetweenTurns(
      () => rows,
      () =>
        readRecipientsCsv(Readable.from([Buffer.from(csv)]), () => {
          rows++;
        }),
    );
    expect(rows).toBe(5000);
    expect(largest).toBeLessThanOrEqual(ROWS_PER_YIELD);
  });
});
