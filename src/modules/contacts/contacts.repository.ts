import { Injectable } from '@nestjs/common';
import type { ConsentKind, ConsentSource } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';

export interface ContactState {
  optedOut: boolean;
  lastInboundAt: Date | null;
}

export interface OptedOutRow {
  address: string;
  optedOutAt: Date | null;
}

@Injectable()
export class ContactsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Which of `addresses` have opted out on the channel (one query for any number of addresses). */
  async optedOut(channelId: string, addresses: string[]): Promise<Set<string>> {
    if (addresses.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<Array<{ address: string }>>`
      SELECT address FROM contact WHERE channel_id = ${channelId}::uuid AND opted_out AND address = ANY(${addresses}::text[])`;
    return new Set(rows.map((r) => r.address));
  }

  /** Which of `addresses` wrote to us since `since` (their WhatsApp window is open). */
  async inboundSince(channelId: string, addresses: string[], since: Date): Promise<Set<string>> {
    if (addresses.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<Array<{ address: string }>>`
      SELECT address FROM contact
      WHERE channel_id = ${channelId}::uuid AND last_inbound_at >= ${since} AND address = ANY(${addresses}::text[])`;
    return new Set(rows.map((r) => r.address));
  }

  /**
   * Appends a consent event and updates the contact's cached opt-out flag from the latest event, in one
   * transaction. An event with an `externalRef` already recorded for the contact is ignored (replays are harmless).
   * The contact is created or locked by one INSERT … ON CONFLICT: concurrent changes for an address never seen before
   * all succeed on one row (Prisma's upsert reads then inserts, so all but one hit the unique key), and changes for
   * one contact take turns, so each sets the flag from a ledger that includes the others' events.
   */
  recordConsent(event: {
    channelId: string;
    address: string;
    kind: ConsentKind;
    source: ConsentSource;
    detail?: string;
    externalRef?: string;
    occurredAt?: Date;
  }): Promise<ContactState> {
    return this.prisma.$transaction(async (tx) => {
      const [contact] = await tx.$queryRaw<Array<{ id: string }>>`
        INSERT INTO contact (id, channel_id, address, created_at, updated_at)
        VALUES (gen_random_uuid(), ${event.channelId}::uuid, ${event.address}, now(), now())
        ON CONFLICT (channel_id, address) DO UPDATE SET updated_at = now()
        RETURNING id`;
      await tx.consentEvent.createMany({
        data: [
          {
            contactId: contact.id,
            kind: event.kind,
            source: event.source,
            detail: event.detail ?? null,
            externalRef: event.externalRef ?? null,
            occurredAt: event.occurredAt ?? new Date(),
          },
        ],
        skipDuplicates: true,
      });
      const latest = await tx.consentEvent.findFirst({
        where: { contactId: contact.id },
        orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
        select: { kind: true, occurredAt: true },
      });
      const optedOut = latest?.kind === 'OPT_OUT';
      return tx.contact.update({
        where: { id: contact.id },
        data: { optedOut, optedOutAt: optedOut ? (latest?.occurredAt ?? new Date()) : null },
        select: { optedOut: true, lastInboundAt: true },
      });
    });
  }

  listOptedOut(channelId: string, limit: number, after?: string): Promise<OptedOutRow[]> {
    return this.prisma.contact.findMany({
      where: { channelId, optedOut: true, ...(after ? { address: { gt: after } } : {}) },
      orderBy: { address: 'asc' },
      take: limit,
      select: { address: true, optedOutAt: true },
    });
  }
}
