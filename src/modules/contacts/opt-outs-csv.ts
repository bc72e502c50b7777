import { isUUID } from 'class-validator';
import { ValidationFailedError } from '@/infra/errors/domain-error';
import { csvLine } from '@/infra/http/csv-upload';

/** Data rows one opt-out import may have (and at most MAX_CSV_BYTES); split larger ledgers into several files. */
export const MAX_IMPORT_ROWS = 100_000;
/** How far in the future an imported time may be (clock skew); later ones would outrank every real change. */
const FUTURE_SKEW_MS = 5 * 60 * 1000;
const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_SOURCE = 40;
const MAX_REASON = 500;

export type ImportField = 'address' | 'channelId' | 'kind' | 'at' | 'source' | 'reason';

/** Header names (lower case) for each field; the first is the one the export writes. */
const COLUMN_NAMES: Record<ImportField, string[]> = {
  address: ['address', 'to', 'phone', 'number', 'recipient'],
  channelId: ['channelid', 'channel_id', 'channel'],
  kind: ['kind'],
  at: ['optedoutat', 'opted_out_at', 'occurredat', 'occurred_at', 'at'],
  source: ['source'],
  reason: ['reason', 'detail'],
};

/** The columns of the export, which an import takes back as they are. */
export const EXPORT_HEADER = ['address', 'channelId', 'optedOutAt', 'source'] as const;

export interface ImportCells {
  /** As written; normalised for the channel's kind later. */
  address: string;
  /** Null: the import's channelId query parameter. */
  channelId: string | null;
  kind: 'OPT_OUT' | 'OPT_IN';
  /** When the change happened; null: now. */
  at: Date | null;
  /** The source another system (or an earlier export) gave, kept in the ledger's detail. */
  source: string | null;
  reason: string | null;
}

export type ImportRowResult = { ok: true; row: ImportCells } | { ok: false; reason: string };

/** The field of each column of an opt-out import's header; a 400 for an unknown, repeated or missing column. */
export function readImportHeader(cells: string[]): ImportField[] {
  const fields = cells.map((cell): ImportField => {
    const name = cell.trim().toLowerCase();
    const field = (Object.keys(COLUMN_NAMES) as ImportField[]).find((f) => COLUMN_NAMES[f].includes(name));
    if (!field) {
      throw new ValidationFailedError(
        `unknown CSV column "${cell.slice(0, 60)}": use address, channelId, kind, optedOutAt, source or reason`,
        [{ field: 'header', problems: [`unknown column ${cell.slice(0, 60)}`] }],
      );
    }
    return field;
  });
  for (const field of new Set(fields)) {
    if (fields.filter((f) => f === field).length > 1) {
      throw new ValidationFailedError(`the CSV header names the ${field} column more than once`, [
        { field: 'header', problems: [`repeated column ${field}`] },
      ]);
    }
  }
  if (!fields.includes('address')) {
    throw new ValidationFailedError(
      'the CSV header needs an address column (address, to, phone, number or recipient)',
      [{ field: 'header', problems: ['no address column'] }],
    );
  }
  return fields;
}

/**
 * One data row of an opt-out import, or why it is refused: the address must be there, `kind` is OPT_OUT (the
 * default; also opt-out, out, stop) or OPT_IN (opt-in, in, start), the time is ISO 8601 (a date, or a date and time
 * with Z or an offset) between 2000 and a few minutes from `now`, and a channel id must be a UUID.
 */
export function readImportRow(fields: ImportField[], cells: string[], now: Date): ImportRowResult {
  if (cells.length !== fields.length)
    return { ok: false, reason: `expected ${fields.length} cells, found ${cells.length}` };
  const value = (field: ImportField): string => {
    const i = fields.indexOf(field);
    return i < 0 ? '' : (cells[i] ?? '');
  };
  const address = value('address');
  if (!address) return { ok: false, reason: 'missing address' };
  const channelId = value('channelId') || null;
  if (channelId !== null && !isUUID(channelId)) return { ok: false, reason: 'channelId must be a UUID' };
  const kind = readKind(value('kind'));
  if (!kind) return { ok: false, reason: 'kind must be OPT_OUT or OPT_IN' };
  const rawAt = value('at');
  let at: Date | null = null;
  if (rawAt) {
    at = readTime(rawAt);
    if (!at)
      return {
        ok: false,
        reason: 'the time must be ISO 8601: 2026-11-21 or 2026-11-21T09:30:00Z (with Z or an offset)',
      };
    if (at.getTime() < EARLIEST) return { ok: false, reason: 'the time is before 2000' };
    if (at.getTime() > now.getTime() + FUTURE_SKEW_MS) return { ok: false, reason: 'the time is in the future' };
  }
  const source = value('source');
  if (source.length > MAX_SOURCE) return { ok: false, reason: `source longer than ${MAX_SOURCE} characters` };
  const reason = value('reason');
  if (reason.length > MAX_REASON) return { ok: false, reason: `reason longer than ${MAX_REASON} characters` };
  return { ok: true, row: { address, channelId, kind, at, source: source || null, reason: reason || null } };
}

/**
 * The ledger reference of an imported change, derived from what the row says (the contact is implied: references are
 * unique per contact): importing the same row again, in this file or another, records nothing new. A row without a
 * time is therefore recorded once per contact and kind; to record a later change, give its time (or use the API).
 */
export function importRef(kind: 'OPT_OUT' | 'OPT_IN', at: Date | null): string {
  return `import:${kind}:${at ? at.toISOString() : 'undated'}`;
}

/** One line of the opt-out export. */
export function exportLine(row: {
  address: string;
  channelId: string;
  optedOutAt: Date | null;
  source: string;
}): string {
  return csvLine([row.address, row.channelId, row.optedOutAt?.toISOString() ?? null, row.source]);
}

function readKind(raw: string): 'OPT_OUT' | 'OPT_IN' | null {
  switch (raw.toLowerCase().replace(/[-\s]/g, '_')) {
    case '':
    case 'opt_out':
    case 'optout':
    case 'out':
    case 'stop':
      return 'OPT_OUT';
    case 'opt_in':
    case 'optin':
    case 'in':
    case 'start':
      return 'OPT_IN';
    default:
      return null;
  }
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** An ISO 8601 date (midnight UTC) or date-time with a zone, or null; out-of-range parts (Feb 30, 24:00) are null. */
function readTime(raw: string): Date | null {
  const m = ISO_TIME.exec(raw);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return null;
  const zone = m[7];
  if (zone && zone !== 'Z' && (Number(zone.slice(1, 3)) > 14 || Number(zone.slice(-2)) > 59)) return null;
  const at = new Date(m[4] === undefined ? calendar.getTime() : Date.parse(raw));
  return Number.isNaN(at.getTime()) ? null : at;
}
