import { Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { Counter } from 'prom-client';
import { NotFoundError, ValidationFailedError } from '@/infra/errors/domain-error';
import { textProblem } from '@/infra/http/input-check';
import { keysetPage } from '@/infra/http/pagination';
import { MetricsService } from '@/infra/metrics/metrics.service';
import type { ConsentSource } from '@/infra/prisma/generated/client';
import { ChannelInfo, ChannelsService } from '@/modules/channels/channels.service';
import { normalizeAddress } from './address';
import { ContactConsent, ContactsRepository, ContactState } from './contacts.repository';
import {
  ConsentChangeDto,
  ConsentHistoryQuery,
  ConsentStateResponse,
  ContactConsentHistoryResponse,
  ContactConsentResponse,
  ListOptOutsQuery,
  OptOutPage,
} from './dto/consent.dto';
import { EXPORT_HEADER, exportLine } from './opt-outs-csv';
import { csvLine } from '@/infra/http/csv-upload';

export type { ContactState } from './contacts.repository';

/** Opted-out contacts per query of the export: the export streams page by page, never the whole ledger at once. */
const EXPORT_PAGE = 1000;

/** Help of the consent counter, shared with the customer-message path (one metric, labelled by source). */
export const CONSENT_CHANGES_METRIC = {
  name: 'threadline_consent_changes_total',
  help: 'Opt-outs and opt-ins recorded, by source (keyword, cxone, admin, api, import)',
  labelNames: ['channel', 'kind', 'source'] as const,
};

/** WhatsApp allows free text only within 24 hours of the customer's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** End users per channel and their consent: the ledger every send checks, so nobody who said STOP is messaged. */
@Injectable()
export class ContactsService {
  private readonly logger = new Logger(ContactsService.name);

  private consentChanges?: Counter<'channel' | 'kind' | 'source'>;

  constructor(
    private readonly repository: ContactsRepository,
    private readonly channels: ChannelsService,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * `PUT /opt-outs/{channelId}/{address}`: the customer is opted out (source ADMIN). Idempotent: when they already
   * are (whatever the source), nothing is recorded and `created` is false.
   */
  async putOptOut(
    channelId: string,
    rawAddress: string,
    reason?: string,
  ): Promise<{ state: ContactConsentResponse; created: boolean }> {
    const { channel, address } = await this.resolve(channelId, rawAddress);
    const result = await this.repository.setConsent({
      channelId: channel.id,
      address,
      kind: 'OPT_OUT',
      source: 'ADMIN',
      ...(reason ? { detail: reason } : {}),
      create: true,
    });
    if (!result) throw new Error('setConsent with create answered no contact'); // it creates one when missing
    if (result.changed) this.noteChange(channel.id, 'OPT_OUT', 'ADMIN');
    return { state: toConsent(channel.id, address, result.contact), created: result.changed };
  }

  /**
   * `DELETE /opt-outs/{channelId}/{address}`: the customer opted back in (source ADMIN). Idempotent for a known
   * contact (nothing is recorded when they are not opted out); a 404 for an address never seen on the channel.
   */
  async deleteOptOut(channelId: string, rawAddress: string): Promise<ContactConsentResponse> {
    const { channel, address } = await this.resolve(channelId, rawAddress);
    const result = await this.repository.setConsent({
      channelId: channel.id,
      address,
      kind: 'OPT_IN',
      source: 'ADMIN',
      create: false,
    });
    if (!result) throw new ContactNotFoundError(address);
    if (result.changed) this.noteChange(channel.id, 'OPT_IN', 'ADMIN');
    return toConsent(channel.id, address, result.contact);
  }

  /** The customer's consent and their ledger, newest first (paginated); a 404 for an address never seen. */
  async consentOf(
    channelId: string,
    rawAddress: string,
    query: ConsentHistoryQuery,
  ): Promise<ContactConsentHistoryResponse> {
    const { channel, address } = await this.resolve(channelId, rawAddress);
    const contact = await this.repository.findContact(channel.id, address);
    if (!contact) throw new ContactNotFoundError(address);
    const limit = query.limit ?? 100;
    const rows = await this.repository.history(
      contact.id,
      limit + 1,
      query.cursor === undefined ? undefined : readHistoryCursor(query.cursor),
    );
    const page = keysetPage(rows, limit, (e) => `${e.occurredAt.toISOString()}_${e.id}`);
    return {
      ...toConsent(channel.id, address, contact),
      history: page.rows.map((e) => ({
        kind: e.kind,
        source: e.source,
        occurredAt: e.occurredAt.toISOString(),
        externalRef: e.externalRef,
        detail: e.detail,
      })),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * The channel's opted-out customers as CSV (address, channelId, optedOutAt, source), read EXPORT_PAGE at a time by
   * address as the client takes them: memory stays flat however long the list. A 404 for an unknown channel comes
   * before the first byte; a database failure midway ends the stream with an error (the client sees a cut download,
   * never a short file that looks complete).
   */
  async exportOptedOut(channelId: string): Promise<Readable> {
    const channel = await this.channels.info(channelId);
    const repository = this.repository;
    const logger = this.logger;
    async function* lines(): AsyncGenerator<string> {
      yield csvLine(EXPORT_HEADER);
      let after: string | null = null;
      let count = 0;
      for (;;) {
        const rows = await repository.exportOptedOut(channel.id, EXPORT_PAGE, after);
        if (rows.length === 0) break;
        yield rows
          .map((r) =>
            exportLine({ address: r.address, channelId: channel.id, optedOutAt: r.optedOutAt, source: r.source ?? '' }),
          )
          .join('');
        count += rows.length;
        after = rows[rows.length - 1].address;
        if (rows.length < EXPORT_PAGE) break;
      }
      logger.log({ channelId: channel.id, optedOut: count }, 'opt-outs exported');
    }
    return Readable.from(lines(), { objectMode: false });
  }

  async optOut(dto: ConsentChangeDto, source: ConsentSource = 'ADMIN'): Promise<ConsentStateResponse> {
    return this.change(dto, 'OPT_OUT', source);
  }

  async optIn(dto: ConsentChangeDto, source: ConsentSource = 'ADMIN'): Promise<ConsentStateResponse> {
    return this.change(dto, 'OPT_IN', source);
  }

  async listOptedOut(query: ListOptOutsQuery): Promise<OptOutPage> {
    await this.channels.info(query.channelId);
    const limit = query.limit ?? 100;
    const rows = await this.repository.listOptedOut(query.channelId, limit + 1, query.cursor);
    const page = keysetPage(rows, limit, (r) => r.address);
    return {
      data: page.rows.map((r) => ({ address: r.address, optedOutAt: r.optedOutAt?.toISOString() ?? null })),
      nextCursor: page.nextCursor,
    };
  }

  /** What decides whether one customer may be messaged now: their consent and their last message (WhatsApp window). */
  state(channelId: string, address: string): Promise<ContactState> {
    return this.repository.state(channelId, address);
  }

  /** The customer wrote at `at`: their WhatsApp window is open for 24 h from then. */
  noteInbound(channelId: string, address: string, at: Date): Promise<void> {
    return this.repository.noteInbound(channelId, address, at);
  }

  /**
   * A consent change that arrived from the customer or CXone (a keyword, CXone refusing a send): recorded once per
   * `externalRef` (the message or send it came with), so a replay changes nothing.
   */
  async recordFromChannel(change: {
    channelId: string;
    address: string;
    kind: 'OPT_OUT' | 'OPT_IN';
    source: 'KEYWORD' | 'CXONE';
    externalRef: string;
    detail: string;
    occurredAt?: Date;
  }): Promise<ContactState> {
    const state = await this.repository.recordConsent(change);
    this.logger.log({ channelId: change.channelId, kind: change.kind, source: change.source }, 'consent recorded');
    return state;
  }

  /** Addresses among `addresses` that must not be messaged on the channel. */
  optedOut(channelId: string, addresses: string[]): Promise<Set<string>> {
    return this.repository.optedOut(channelId, addresses);
  }

  /** Addresses among `addresses` whose WhatsApp window is open now. */
  windowOpen(channelId: string, addresses: string[], now = new Date()): Promise<Set<string>> {
    return this.repository.inboundSince(channelId, addresses, new Date(now.getTime() - WHATSAPP_WINDOW_MS));
  }

  /** Counts a consent change in threadline_consent_changes_total. */
  private noteChange(channelId: string, kind: 'OPT_OUT' | 'OPT_IN', source: ConsentSource): void {
    this.logger.log({ channelId, kind, source }, 'consent recorded');
    this.counted(channelId, kind, source);
  }

  counted(channelId: string, kind: 'OPT_OUT' | 'OPT_IN', source: ConsentSource, by = 1): void {
    this.consentChanges ??= this.metrics.counter({
      ...CONSENT_CHANGES_METRIC,
      labelNames: [...CONSENT_CHANGES_METRIC.labelNames],
    });
    this.consentChanges.inc({ channel: channelId, kind: kind.toLowerCase(), source: source.toLowerCase() }, by);
  }

  /** The channel (404 when unknown) and the address normalised as intake does (400 when it is not valid). */
  private async resolve(channelId: string, raw: string): Promise<{ channel: ChannelInfo; address: string }> {
    const channel = await this.channels.info(channelId);
    // Path parameters are not covered by the input checks of queries and bodies.
    const unstorable = textProblem(raw);
    if (unstorable) {
      throw new ValidationFailedError(`address ${unstorable}`, [{ field: 'address', problems: [unstorable] }]);
    }
    const normalized = normalizeAddress(channel.kind, raw);
    if (!normalized.ok) {
      // A '+' sent raw in a query string becomes a space; in a path it is kept, but %2B is the safe spelling.
      const hint = channel.kind !== 'BYOC_CHAT' && !raw.trim().startsWith('+') ? ' (in a URL, write + as %2B)' : '';
      throw new ValidationFailedError(`address: ${normalized.reason}${hint}`, [
        { field: 'address', problems: [normalized.reason] },
      ]);
    }
    return { channel, address: normalized.address };
  }

  private async change(
    dto: ConsentChangeDto,
    kind: 'OPT_OUT' | 'OPT_IN',
    source: ConsentSource,
  ): Promise<ConsentStateResponse> {
    const channel = await this.channels.info(dto.channelId);
    const normalized = normalizeAddress(channel.kind, dto.address);
    if (!normalized.ok)
      throw new ValidationFailedError(`address: ${normalized.reason}`, [
        { field: 'address', problems: [normalized.reason] },
      ]);
    const state = await this.repository.recordConsent({
      channelId: channel.id,
      address: normalized.address,
      kind,
      source,
      ...(dto.reason ? { detail: dto.reason } : {}),
    });
    this.logger.log({ channelId: channel.id, kind, source }, 'consent recorded');
    this.counted(channel.id, kind, source);
    return { channelId: channel.id, address: normalized.address, optedOut: state.optedOut };
  }
}

export class ContactNotFoundError extends NotFoundError {
  constructor(address: string) {
    super(`no contact ${address} on this channel (a customer never seen has opted out of nothing)`);
  }
}

function toConsent(channelId: string, address: string, contact: ContactConsent): ContactConsentResponse {
  return { channelId, address, optedOut: contact.optedOut, optedOutAt: contact.optedOutAt?.toISOString() ?? null };
}

/** `<ISO time>_<event id>`, as consentOf writes it; a 400 for anything else. */
function readHistoryCursor(cursor: string): { occurredAt: Date; id: string } {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_(\d{1,18})$/.exec(cursor);
  const occurredAt = m ? new Date(m[1]) : null;
  if (!m || !occurredAt || Number.isNaN(occurredAt.getTime())) {
    throw new ValidationFailedError('cursor is not a nextCursor this route gave', [
      { field: 'cursor', problems: ['cursor must be the nextCursor of the previous page'] },
    ]);
  }
  return { occurredAt, id: m[2] };
}
