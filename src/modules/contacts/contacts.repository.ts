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

  /** The customer's consent and last message on the channel (a customer never seen has opted out of nothing). */
  async state(channelId: string, address: string): Promise<ContactState> {
    // On the send path (once per message): the plain pool, not Prisma's slower raw-query path.
    const { rows } = await this.prisma.pool.query<ContactState>(
      'SELECT opted_out AS "optedOut", last_inbound_at AS "lastInboundAt" FROM contact WHERE channel_id = $1 AND address = $2',
      [channelId, address],
    );
    return rows[0] ?? { optedOut: false, lastInboundAt: null };
  }

  /** The customer wrote at `at` (their WhatsApp window opens): the contact is created if new. */
  async noteInbound(channelId: string, address: string, at: Date): Promise<void> {
    await this.prisma.pool.query(
      `INSERT INTO contact (id, channel_id, address, last_inbound_at, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, now(), now())
       ON CONFLICT (channel_id, address) DO UPDATE
         SET last_inbound_at = greatest(contact.last_inbound_at, EXCLUDED.last_inbound_at), updated_at = now()`,
      [channelId, address, at],
    );
  }

  /** Which of `addresses` have opted out on the channel (any number of addresses, see byAddress). */
  optedOut(channelId: string, addresses: string[]): Promise<Set<string>> {
    return byAddress(addresses, (slice) =>
      this.prisma.pool.query<{ address: string }>(
        'SELECT address FROM contact WHERE channel_id = $1::uuid AND opted_out AND address = ANY($2::text[])',
        [channelId, slice],
      ),
    );
  }

  /** Which of `addresses` wrote to us since `since` (their WhatsApp window is open). */
  inboundSince(channelId: string, addresses: string[], since: Date): Promise<Set<string>> {
    return byAddress(addresses, (slice) =>
      this.prisma.pool.query<{ address: string }>(
        `SELECT address FROM contact
         WHERE channel_id = $1::uuid AND last_inbound_at >= $2 AND address = ANY($3::text[])`,
        [channelId, since, slice],
      ),
    );
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

/** Addresses per query of an intake's pre-flight checks. */
const ADDRESS_SLICE = 10_000;

/**
 * The addresses `query` returns, asked ADDRESS_SLICE at a time: an intake checks up to 100,000 addresses, and turning
 * them into one query parameter holds the event loop (~350 ms through Prisma, ~35 ms through pg) while every other
 * request of the process waits. These queries therefore go through the pg pool, in slices.
 */
async function byAddress(
  addresses: string[],
  query: (slice: string[]) => Promise<{ rows: Array<{ address: string }> }>,
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < addresses.length; i += ADDRESS_SLICE) {
    for (const row of (await query(addresses.slice(i, i + ADDRESS_SLICE))).rows) found.add(row.address);
  }
  return found;
}
