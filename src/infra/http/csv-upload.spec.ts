import { Readable } from 'node:stream';
import { ValidationFailedError } from '@/infra/errors/domain-error';
import { CsvUploadReader, readCsvUpload } from './csv-upload';

function reader(overrides: Partial<CsvUploadReader> = {}): CsvUploadReader & { rows: Array<[number, string[]]> } {
  const rows: Array<[number, string[]]> = [];
  return {
    rows,
    maxRows: 10,
    rowsPerYield: 2,
    emptyMessage: 'empty',
    onHeader: () => undefined,
    onRecord: (cells, n) => {
      rows.push([n, cells]);
    },
    ...overrides,
  };
}

const upload = (text: string): Readable => Readable.from([Buffer.from(text)]);

describe('readCsvUpload', () => {
  it('passes data rows with their numbers, waiting for each before the next', async () => {
    const order: string[] = [];
    await readCsvUpload(
      upload('a,b\n1,2\n\n3\n'),
      reader({
        onRecord: async (cells, n) => {
          order.push(`start ${n}`);
          await new Promise((resolve) => setImmediate(resolve));
          order.push(`end ${n} ${cells.join('|')}`);
        },
      }),
    );
    expect(order).toEqual(['start 1', 'end 1 1|2', 'start 2', 'end 2 3']);
  });

  it('lets an error of the reader through unchanged (a database failure is no 400)', async () => {
    const failure = new Error('connection terminated');
    const outcome = await readCsvUpload(
      upload('a\n1\n'),
      reader({
        onRecord: () => {
          throw failure;
        },
      }),
    ).catch((err: unknown) => err);
    expect(outcome).toBe(failure);
  });

  it('refuses more rows than the reader takes, and an upload without a header', async () => {
    const tooMany = await readCsvUpload(upload(`a\n${'1\n'.repeat(11)}`), reader()).catch((err: unknown) => err);
    expect(tooMany).toEqual(new ValidationFailedError('the CSV has more than 10 rows'));
    const empty = await readCsvUpload(upload('\n\n'), reader()).catch((err: unknown) => err);
    expect(empty).toEqual(new ValidationFailedError('empty'));
  });
});
