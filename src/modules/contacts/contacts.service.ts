import { Injectable, Logger } from '@nestjs/common';
import { ValidationFailedError } from '@/infra/errors/domain-error';
import { keysetPage } from '@/infra/http/pagination';
import type { ConsentSource } from '@/infra/prisma/generated/client';
import { ChannelsService } from '@/modules/channels/channels.service';
import { normalizeAddress } from './address';
import { ContactsRepository, ContactState } from './contacts.repository';

export type { ContactState } from './contacts.repository';
import { ConsentChangeDto, ConsentStateResponse, ListOptOutsQuery, OptOutPage } from './dto/consent.dto';

/** WhatsApp allows free text only within 24 hours of the customer's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** End users per channel and their consent: the ledger every send checks, so nobody who said STOP is messaged. */
@Injectable()
export class ContactsService {
  private readonly logger = new Logger(ContactsService.name);

  constructor(
    private readonly repository: ContactsRepository,
    private readonly channels: ChannelsService,
  ) {}

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
    return { channelId: channel.id, address: normalized.address, optedOut: state.optedOut };
  }
}
