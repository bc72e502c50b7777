import { ValidationFailedError } from '@/infra/errors/domain-error';
import { EXPORT_HEADER, exportLine, importRef, readImportHeader, readImportRow } from './opt-outs-csv';

const NOW = new Date('2026-12-01T12:00:00Z');
const CHANNEL = '6f1c2b7e-8d4a-4c3b-9e2f-0a1b2c3d4e5f';

function headerError(cells: string[]): string {
  try {
    readImportHeader(cells);
    return 'no error';
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationFailedError);
    return (err as Error).message;
  }
}

describe('readImportHeader', () => {
  it('maps column names and their aliases, in any case, to fields', () => {
    expect(readImportHeader(['Phone', 'CHANNEL_ID', 'kind', 'occurredAt', 'source', 'Reason'])).toEqual([
      'address',
      'channelId',
      'kind',
      'at',
      'source',
      'reason',
    ]);
    expect(readImportHeader([...EXPORT_HEADER])).toEqual(['address', 'channelId', 'at', 'source']);
  });

  it('refuses an unknown column, a repeated one and a header without an address, saying which', () => {
    expect(headerError(['address', 'optedOut'])).toBe(
      'unknown CSV column "optedOut": use address, channelId, kind, optedOutAt, source or reason',
    );
    expect(headerError(['address', 'to'])).toBe('the CSV header names the address column more than once');
    expect(headerError(['channelId', 'kind'])).toContain('needs an address column');
  });
});

describe('readImportRow', () => {
  const fields = readImportHeader(['address', 'channelId', 'kind', 'optedOutAt', 'source', 'reason']);
  const row = (cells: Partial<Record<'address' | 'channelId' | 'kind' | 'at' | 'source' | 'reason', string>>) =>
    readImportRow(
      fields,
      [
        cells.address ?? '+12025550143',
        cells.channelId ?? '',
        cells.kind ?? '',
        cells.at ?? '',
        cells.source ?? '',
        cells.reason ?? '',
      ],
      NOW,
    );

  it('reads an opt-out by default, without a time (now) or channel (the query parameter)', () => {
    expect(row({})).toEqual({
      ok: true,
      row: { address: '+12025550143', channelId: null, kind: 'OPT_OUT', at: null, source: null, reason: null },
    });
  });

  it('reads the kinds in their spellings', () => {
    const kinds = ['OPT_OUT', 'opt-out', 'optout', 'Out', 'STOP', 'OPT_IN', 'opt in', 'in', 'start'].map((kind) => {
      const result = row({ kind });
      return [kind, result.ok ? result.row.kind : result.reason];
    });
    expect(kinds).toEqual([
      ['OPT_OUT', 'OPT_OUT'],
      ['opt-out', 'OPT_OUT'],
      ['optout', 'OPT_OUT'],
      ['Out', 'OPT_OUT'],
      ['STOP', 'OPT_OUT'],
      ['OPT_IN', 'OPT_IN'],
      ['opt in', 'OPT_IN'],
      ['in', 'OPT_IN'],
      ['start', 'OPT_IN'],
    ]);
    expect(row({ kind: 'maybe' })).toEqual({ ok: false, reason: 'kind must be OPT_OUT or OPT_IN' });
  });

  it('reads ISO 8601 dates and times with a zone, and refuses the rest with the reason', () => {
    const times = [
      '2026-11-21',
      '2026-11-21T09:30:00Z',
      '2026-11-21T09:30Z',
      '2026-11-21T09:30:00.123456Z',
      '2026-11-21T10:30:00+01:00',
      '2026-11-21T04:30:00-0500',
    ].map((at) => {
      const result = row({ at });
      return [at, result.ok ? result.row.at?.toISOString() : result.reason];
    });
    expect(times).toEqual([
      ['2026-11-21', '2026-11-21T00:00:00.000Z'],
      ['2026-11-21T09:30:00Z', '2026-11-21T09:30:00.000Z'],
      ['2026-11-21T09:30Z', '2026-11-21T09:30:00.000Z'],
      ['2026-11-21T09:30:00.123456Z', '2026-11-21T09:30:00.123Z'],
      ['2026-11-21T10:30:00+01:00', '2026-11-21T09:30:00.000Z'],
      ['2026-11-21T04:30:00-0500', '2026-11-21T09:30:00.000Z'],
    ]);
    const refused = [
      '21/11/2026',
      '2026-11-21T09:30:00', // no zone: whose 9:30?
      '2026-02-30',
      '2026-11-21T24:00:00Z',
      '2026-11-21T09:30:00+25:00',
      'yesterday',
    ].map((at) => [at, row({ at })]);
    expect(refused).toEqual(
      refused.map(([at]) => [
        at,
        {
          ok: false,
          reason: 'the time must be ISO 8601: 2026-11-21 or 2026-11-21T09:30:00Z (with Z or an offset)',
        },
      ]),
    );
    expect(row({ at: '1999-12-31' })).toEqual({ ok: false, reason: 'the time is before 2000' });
    expect(row({ at: '2026-12-01T12:04:00Z' }).ok).toBe(true); // clock skew
    expect(row({ at: '2026-12-01T12:06:00Z' })).toEqual({ ok: false, reason: 'the time is in the future' });
  });

  it('refuses a missing address, a channel id that is not a UUID, wrong cell counts and long texts', () => {
    expect(row({ address: '' })).toEqual({ ok: false, reason: 'missing address' });
    expect(row({ channelId: 'sms-1' })).toEqual({ ok: false, reason: 'channelId must be a UUID' });
    expect(row({ channelId: CHANNEL })).toMatchObject({ ok: true, row: { channelId: CHANNEL } });
    expect(readImportRow(fields, ['+12025550143'], NOW)).toEqual({ ok: false, reason: 'expected 6 cells, found 1' });
    expect(row({ source: 'x'.repeat(41) })).toEqual({ ok: false, reason: 'source longer than 40 characters' });
    expect(row({ reason: 'x'.repeat(501) })).toEqual({ ok: false, reason: 'reason longer than 500 characters' });
  });
});

describe('importRef', () => {
  it('is the same for the same row and differs by kind and time', () => {
    const at = new Date('2026-11-21T09:30:00Z');
    expect(importRef('OPT_OUT', at)).toBe('import:OPT_OUT:2026-11-21T09:30:00.000Z');
    expect(importRef('OPT_OUT', new Date(at))).toBe(importRef('OPT_OUT', at));
    expect(new Set([importRef('OPT_OUT', at), importRef('OPT_IN', at), importRef('OPT_OUT', null)]).size).toBe(3);
  });
});

describe('exportLine', () => {
  it('writes one CSV line, quoting cells that need it', () => {
    expect(
      exportLine({
        address: '+12025550143',
        channelId: CHANNEL,
        optedOutAt: new Date('2026-11-21T09:30:00Z'),
        source: 'KEYWORD',
      }),
    ).toBe(`+12025550143,${CHANNEL},2026-11-21T09:30:00.000Z,KEYWORD\n`);
    expect(exportLine({ address: 'user "a", b\nc', channelId: CHANNEL, optedOutAt: null, source: 'ADMIN' })).toBe(
      `"user ""a"", b\nc",${CHANNEL},,ADMIN\n`,
    );
    const quoted = ['say "hi"', 'two\nlines', 'cr\r', 'plain'].map(
      (address) => exportLine({ address, channelId: CHANNEL, optedOutAt: null, source: 'ADMIN' }).split(',')[0],
    );
    expect(quoted).toEqual(['"say ""hi"""', '"two\nlines"', '"cr\r"', 'plain']);
  });
});
