import { randomUUID } from 'node:crypto';
import { setImmediate as turn } from 'node:timers/promises';
import { canonicalTimeZone } from '@/infra/time/time-zones';
import { AddressKind, normalizeAddress } from '@/modules/contacts/address';
import { phoneTimeZones } from '@/modules/contacts/phone-time-zones';
import { customFieldsProblem, templateParametersProblem, toStringRecord } from './dto/validators';

export interface AcceptedRecipient {
  id: string;
  address: string;
  name: string | null;
  parameters: Record<string, string> | null;
  customFields: Record<string, string> | null;
  /** The IANA zone its quiet hours are read in (see recipientTimeZone). */
  timeZone: string;
}

export interface RejectedRow {
  rowNumber: number;
  input: string;
  reason: string;
}

/**
 * Rows validated between two turns of the event loop. A row costs up to ~60 µs (mostly parsing the phone number), so
 * 250 rows hold the loop for ~15 ms: health probes and other requests are served during a 100,000-row intake.
 */
export const ROWS_PER_YIELD = 250;
const MAX_NAME = 200;
const MAX_INPUT_KEPT = 500;

/**
 * Validates recipients one row at a time (so one bad row never rejects the others): the address for the channel
 * kind, name, per-recipient template parameters and custom fields, and that every parameter the template needs is
 * given (by the campaign or the row). Repeated addresses are collapsed and counted (repeats of addresses an earlier
 * upload added are caught by the database's unique key). Deliberately hand-written rather
 * than class-validator: it runs 50,000+ times per request and must stay a few microseconds per row.
 */
export class RecipientIntake {
  readonly accepted: AcceptedRecipient[] = [];
  readonly rejected: RejectedRow[] = [];
  duplicates = 0;
  received = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly kind: AddressKind,
    /** Parameters the template needs (null for text content). */
    private readonly requiredParameters: readonly string[] | null,
    /** Parameters the campaign gives every recipient. */
    private readonly campaignParameters: Readonly<Record<string, string>>,
    /** The campaign's time zone, for recipients whose own zone is not given nor known from their number. */
    private readonly campaignTimeZone: string | null = null,
  ) {}

  /**
   * add() for every row (numbered from `firstRowNumber`, 1 by default), giving the event loop a turn every
   * ROWS_PER_YIELD rows.
   */
  async addAll(rows: readonly unknown[], firstRowNumber = 1): Promise<void> {
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % ROWS_PER_YIELD === 0) await turn();
      this.add(rows[i], i + firstRowNumber);
    }
  }

  /**
   * The rows accepted since the last call, handed over (and forgotten here), so a large upload can be staged in
   * batches instead of held as objects. Repeats are still recognised across batches.
   */
  takeAccepted(): AcceptedRecipient[] {
    return this.accepted.splice(0);
  }

  add(row: unknown, rowNumber: number): void {
    this.received++;
    const problem = this.check(row);
    if (typeof problem === 'string') {
      this.rejected.push({ rowNumber, input: describe(row), reason: problem });
      return;
    }
    if (this.seen.has(problem.address)) {
      this.duplicates++;
      return;
    }
    this.seen.add(problem.address);
    this.accepted.push(problem);
  }

  private check(row: unknown): AcceptedRecipient | string {
    if (row === null || typeof row !== 'object' || Array.isArray(row))
      return 'each recipient must be an object with a "to" field';
    const r = row as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (key !== 'to' && key !== 'name' && key !== 'parameters' && key !== 'customFields' && key !== 'timeZone')
        return `unknown field "${key.slice(0, 40)}"`;
    }
    const address = normalizeAddress(this.kind, r.to);
    if (!address.ok) return `to: ${address.reason}`;
    let timeZone: string | null = null;
    if (r.timeZone !== undefined && r.timeZone !== null && r.timeZone !== '') {
      timeZone = canonicalTimeZone(r.timeZone);
      if (!timeZone) {
        if (typeof r.timeZone !== 'string' && typeof r.timeZone !== 'number') return 'timeZone must be text';
        return `timeZone: ${JSON.stringify(String(r.timeZone).slice(0, 64))} is not an IANA time zone (e.g. America/New_York)`;
      }
    }
    if (r.name !== undefined && r.name !== null && (typeof r.name !== 'string' || r.name.length > MAX_NAME)) {
      return `name must be text of at most ${MAX_NAME} characters`;
    }
    let parameters: Record<string, string> | null = null;
    if (r.parameters !== undefined && r.parameters !== null) {
      const p = templateParametersProblem(r.parameters);
      if (p) return `parameters ${p}`;
      parameters = toStringRecord(r.parameters);
    }
    let customFields: Record<string, string> | null = null;
    if (r.customFields !== undefined && r.customFields !== null) {
      const p = customFieldsProblem(r.customFields);
      if (p) return `customFields ${p}`;
      customFields = toStringRecord(r.customFields);
    }
    if (this.requiredParameters) {
      const missing = this.requiredParameters.filter(
        (name) => !(parameters && name in parameters) && !(name in this.campaignParameters),
      );
      if (missing.length > 0) return `missing template parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
    }
    const name = typeof r.name === 'string' && r.name.trim() ? r.name.trim() : null;
    return {
      id: randomUUID(),
      address: address.address,
      name,
      parameters,
      customFields,
      timeZone: timeZone ?? recipientTimeZone(this.kind, address.address, this.campaignTimeZone),
    };
  }
}

/**
 * A recipient's time zone when the row does not give one: from the phone number (libphonenumber's mapping); where
 * the number spans several zones, the campaign's zone if it is one of them, else the first libphonenumber lists
 * (alphabetical: deterministic, so every upload of a number resolves alike); a number it does not map, or a chat
 * user, gets the campaign's zone, else UTC.
 */
export function recipientTimeZone(kind: AddressKind, address: string, campaignTimeZone: string | null): string {
  const zones = kind === 'BYOC_CHAT' ? [] : phoneTimeZones(address);
  if (zones.length === 1) return zones[0];
  if (zones.length > 1) return campaignTimeZone && zones.includes(campaignTimeZone) ? campaignTimeZone : zones[0];
  return campaignTimeZone ?? 'UTC';
}

function describe(row: unknown): string {
  let text: string;
  try {
    text = typeof row === 'string' ? row : JSON.stringify(row);
  } catch {
    text = String(row);
  }
  return text.length > MAX_INPUT_KEPT ? `${text.slice(0, MAX_INPUT_KEPT)}…` : text;
}
