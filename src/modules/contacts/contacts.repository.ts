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

/** A known contact's consent, as the contact row caches it from the ledger. */
export interface ContactConsent {
  id: string;
  optedOut: boolean;
  optedOutAt: Date | null;
  lastInboundAt: Date | null;
}

export interface ConsentEventRow {
  id: string;
  kind: ConsentKind;
  source: ConsentSource;
  detail: string | null;
  externalRef: string | null;
  occurredAt: Date;
}

/** An opted-out contact as the export writes it: the source is that of the ledger's latest event (the opt-out). */
export interface ExportedOptOut {
  address: string;
  optedOutAt: Date | null;
  source: ConsentSource | null;
}

/** One row of an import batch, already normalised. */
export interface ImportedChange {
  address: string;
  kind: 'OPT_OUT' | 'OPT_IN';
  /** When it happened (the row's time, or the import's). */
  occurredAt: Date;
  externalRef: string;
  detail: string;
}

/**
 * What an imported row did: appended to the ledger, or nothing because the contact already was in that state (taking
 * the earlier rows of the import into account) or the ledger holds this row from an earlier import.
 */
export type ImportOutcome = 'imported' | 'alreadyOptedOut' | 'alreadyOptedIn' | 'alreadyImported';

const CONTACT_CONSENT = `id, opted_out AS "optedOut", opted_out_at AS "optedOutAt", last_inbound_at AS "lastInboundAt"`;
const EVENT_COLUMNS = `id::text AS id, kind, source, detail, external_ref AS "externalRef", occurred_at AS "occurredAt"`;
/** The latest ledger event of each of the contacts $1 (ties: the later recorded). */
const LATEST_EVENTS = `SELECT DISTINCT ON (contact_id) contact_id, kind, occurred_at FROM consent_event
  WHERE contact_id = ANY($1::uuid[]) ORDER BY contact_id, occurred_at DESC, id DESC`;
/** Sets the cached opt-out flag of the contacts $1 from their latest ledger event. */
const REFRESH_FLAGS = `UPDATE contact c
  SET opted_out = (l.kind = 'OPT_OUT'), opted_out_at = CASE WHEN l.kind = 'OPT_OUT' THEN l.occurred_at END,
      updated_at = now()
  FROM (${LATEST_EVENTS}) l WHERE c.id = l.contact_id
  RETURNING c.id, c.opted_out AS "optedOut", c.opted_out_at AS "optedOutAt", c.last_inbound_at AS "lastInboundAt"`;

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

  /** The contact's consent, or null for an address never seen on the channel. */
  async findContact(channelId: string, address: string): Promise<ContactConsent | null> {
    const { rows } = await this.prisma.pool.query<ContactConsent>(
      `SELECT ${CONTACT_CONSENT} FROM contact WHERE channel_id = $1::uuid AND address = $2`,
      [channelId, address],
    );
    return rows[0] ?? null;
  }

  /** The contact's ledger, newest first, from after `before` (the last event of the previous page). */
  async history(
    contactId: string,
    limit: number,
    before?: { occurredAt: Date; id: string },
  ): Promise<ConsentEventRow[]> {
    const { rows } = before
      ? await this.prisma.pool.query<ConsentEventRow>(
          `SELECT ${EVENT_COLUMNS} FROM consent_event
           WHERE contact_id = $1::uuid AND (occurred_at, id) < ($2::timestamptz, $3::bigint)
           ORDER BY occurred_at DESC, id DESC LIMIT $4`,
          [contactId, before.occurredAt, before.id, limit],
        )
      : await this.prisma.pool.query<ConsentEventRow>(
          `SELECT ${EVENT_COLUMNS} FROM consent_event WHERE contact_id = $1::uuid
           ORDER BY occurred_at DESC, id DESC LIMIT $2`,
          [contactId, limit],
        );
    return rows;
  }

  /**
   * Puts the contact in the state `kind` says, appending an event only when that changes it: a repeat changes nothing.
   * The contact row is locked for the check and the change, so concurrent changes take turns. A contact never seen is
   * created when `create`, else the answer is null.
   */
  setConsent(change: {
    channelId: string;
    address: string;
    kind: ConsentKind;
    source: ConsentSource;
    detail?: string;
    create: boolean;
  }): Promise<{ contact: ContactConsent; changed: boolean } | null> {
    return this.prisma.poolTransaction(async (client) => {
      const { rows } = change.create
        ? await client.query<ContactConsent>(
            `INSERT INTO contact (id, channel_id, address, created_at, updated_at)
             VALUES (gen_random_uuid(), $1::uuid, $2, now(), now())
             ON CONFLICT (channel_id, address) DO UPDATE SET updated_at = contact.updated_at
             RETURNING ${CONTACT_CONSENT}`,
            [change.channelId, change.address],
          )
        : await client.query<ContactConsent>(
            `SELECT ${CONTACT_CONSENT} FROM contact WHERE channel_id = $1::uuid AND address = $2 FOR UPDATE`,
            [change.channelId, change.address],
          );
      const contact = rows[0];
      if (!contact) return null;
      if (contact.optedOut === (change.kind === 'OPT_OUT')) return { contact, changed: false };
      await client.query(
        `INSERT INTO consent_event (contact_id, kind, source, detail, occurred_at)
         VALUES ($1::uuid, $2::"ConsentKind", $3::"ConsentSource", $4, $5)`,
        [contact.id, change.kind, change.source, change.detail ?? null, new Date()],
      );
      const refreshed = await client.query<ContactConsent>(REFRESH_FLAGS, [[contact.id]]);
      return { contact: refreshed.rows[0] ?? contact, changed: true };
    });
  }

  /**
   * Records a batch of imported changes for one channel in one transaction, answering what each row did (in order).
   * Every contact of the batch is created if new and locked (in address order, so concurrent imports cannot
   * deadlock); a row whose contact is already in its state, or whose reference the ledger holds, records nothing; a
   * row with an earlier time than the contact's latest event is kept in the ledger without changing the state.
   */
  importConsent(channelId: string, changes: ImportedChange[]): Promise<ImportOutcome[]> {
    if (changes.length === 0) return Promise.resolve([]);
    return this.prisma.poolTransaction(async (client) => {
      const addresses = [...new Set(changes.map((c) => c.address))].sort();
      const contacts = await client.query<{ id: string; address: string }>(
        `INSERT INTO contact (id, channel_id, address, created_at, updated_at)
         SELECT gen_random_uuid(), $1::uuid, a, now(), now() FROM unnest($2::text[]) AS a ORDER BY a
         ON CONFLICT (channel_id, address) DO UPDATE SET updated_at = contact.updated_at
         RETURNING id, address`,
        [channelId, addresses],
      );
      const idOf = new Map(contacts.rows.map((r) => [r.address, r.id]));
      const ids = contacts.rows.map((r) => r.id);
      const latest = new Map(
        (
          await client.query<{ contact_id: string; kind: ConsentKind; occurred_at: Date }>(LATEST_EVENTS, [ids])
        ).rows.map((r) => [r.contact_id, { kind: r.kind, at: r.occurred_at.getTime() }]),
      );
      const refs = await client.query<{ contact_id: string; external_ref: string }>(
        `SELECT contact_id, external_ref FROM consent_event
         WHERE contact_id = ANY($1::uuid[]) AND external_ref = ANY($2::text[])`,
        [ids, [...new Set(changes.map((c) => c.externalRef))]],
      );
      const recorded = new Set(refs.rows.map((r) => `${r.contact_id} ${r.external_ref}`));
      const outcomes: ImportOutcome[] = [];
      const appended: Array<ImportedChange & { contactId: string }> = [];
      for (const change of changes) {
        const contactId = idOf.get(change.address)!;
        const current = latest.get(contactId);
        const optedOut = current?.kind === 'OPT_OUT';
        if (optedOut === (change.kind === 'OPT_OUT')) {
          outcomes.push(optedOut ? 'alreadyOptedOut' : 'alreadyOptedIn');
        } else if (recorded.has(`${contactId} ${change.externalRef}`)) {
          outcomes.push('alreadyImported');
        } else {
          outcomes.push('imported');
          recorded.add(`${contactId} ${change.externalRef}`);
          appended.push({ ...change, contactId });
          // An event at the same time as the latest one is recorded after it, so it becomes the latest.
          if (!current || change.occurredAt.getTime() >= current.at)
            latest.set(contactId, { kind: change.kind, at: change.occurredAt.getTime() });
        }
      }
      if (appended.length > 0) {
        await client.query(
          `INSERT INTO consent_event (contact_id, kind, source, detail, external_ref, occurred_at)
           SELECT * FROM unnest($1::uuid[], $2::"ConsentKind"[], $3::"ConsentSource"[], $4::text[], $5::text[],
                                $6::timestamptz[])
           ON CONFLICT (contact_id, external_ref) DO NOTHING`,
          [
            appended.map((c) => c.contactId),
            appended.map((c) => c.kind),
            appended.map(() => 'IMPORT'),
            appended.map((c) => c.detail),
            appended.map((c) => c.externalRef),
            appended.map((c) => c.occurredAt),
          ],
        );
        await client.query(REFRESH_FLAGS, [[...new Set(appended.map((c) => c.contactId))]]);
      }
      return outcomes;
    });
  }

  /** A page of the channel's opted-out contacts for the export, by address, after `after`. */
  async exportOptedOut(channelId: string, limit: number, after: string | null): Promise<ExportedOptOut[]> {
    const select = `SELECT c.address, c.opted_out_at AS "optedOutAt",
        (SELECT e.source FROM consent_event e WHERE e.contact_id = c.id
         ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) AS source
      FROM contact c WHERE c.channel_id = $1::uuid AND c.opted_out`;
    const { rows } =
      after === null
        ? await this.prisma.pool.query<ExportedOptOut>(`${select} ORDER BY c.address LIMIT $2`, [channelId, limit])
        : await this.prisma.pool.query<ExportedOptOut>(`${select} AND c.address > $3 ORDER BY c.address LIMIT $2`, [
            channelId,
            limit,
            after,
          ]);
    return rows;
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
