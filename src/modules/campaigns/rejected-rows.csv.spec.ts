import type { RejectedRow } from './recipient-intake';
import { rejectedRowsCsv } from './rejected-rows.csv';
import type { RejectedRowCursor } from './recipients.repository';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('rejectedRowsCsv', () => {
  // Two uploads at once can give two rows the same number: the id keeps the pages apart.
  const stored: Array<RejectedRow & { id: string }> = [
    { id: '1', rowNumber: 1, input: 'nonsense', reason: 'to: not a phone number' },
    { id: '2', rowNumber: 2, input: '+1202, "quoted"', reason: 'to: too short' },
    { id: '4', rowNumber: 2, input: 'x', reason: 'unknown field "y"' },
    { id: '3', rowNumber: 3, input: '', reason: 'empty' },
  ];
  const pagesAsked: Array<RejectedRowCursor | null> = [];
  const page = (after: RejectedRowCursor | null, limit: number) => {
    pagesAsked.push(after);
    const rows = stored
      .filter((r) => !after || r.rowNumber > after.rowNumber || (r.rowNumber === after.rowNumber && r.id > after.id))
      .sort((a, b) => a.rowNumber - b.rowNumber || a.id.localeCompare(b.id))
      .slice(0, limit);
    const last = rows[rows.length - 1];
    return Promise.resolve({
      rows: rows.map(({ rowNumber, input, reason }) => ({ rowNumber, input, reason })),
      next: last ? { rowNumber: last.rowNumber, id: last.id } : null,
    });
  };

  it('streams every refused row once, in row order, page by page, with quoted fields', async () => {
    expect(await text(rejectedRowsCsv(page, 2))).toBe(
      'row,reason,input\n' +
        '1,"to: not a phone number","nonsense"\n' +
        '2,"to: too short","+1202, ""quoted"""\n' +
        '2,"unknown field ""y""","x"\n' +
        '3,"empty",""\n',
    );
    expect(pagesAsked).toEqual([null, { rowNumber: 2, id: '2' }, { rowNumber: 3, id: '3' }]);
  });
});
