import { Injectable } from '@nestjs/common';
import type { Contact, Message, Thread, ThreadCloseReason, ThreadStatus } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { OPEN_THREAD_STATUSES, threadAllowedFrom } from './thread.state';

/** A proactive alert CXone accepted, in the pieces the conversation store keeps. */
export interface SentAlert {
  channelId: Thread['channelId'];
  /** The customer: their address on the channel, and the name the alert was addressed to. */
  contact: Pick<Contact, 'address' | 'displayName'>;
  thread: Pick<Thread, 'idOnExternalPlatform' | 'campaignId' | 'cxoneContactId' | 'cxoneThreadId'>;
  message: Pick<Message, 'idOnExternalPlatform' | 'cxoneMessageId'> & { content: unknown };
}

export interface RepliedThread {
  id: string;
  address: string;
  name: string | null;
  status: Thread['status'];
  closeReason: Thread['closeReason'];
  firstReplyAt: Date;
  optedOutAt: Date | null;
}

export interface CampaignOutcomes {
  replied: number;
  optedOut: number;
  autoClosed: number;
}

export type ThreadRow = Pick<
  Thread,
  | 'id'
  | 'channelId'
  | 'idOnExternalPlatform'
  | 'origin'
  | 'status'
  | 'closeReason'
  | 'cxoneContactId'
  | 'cxoneThreadId'
  | 'campaignId'
  | 'contactId'
  | 'lastCustomerAt'
  | 'lastActivityAt'
  | 'idleEndAt'
  | 'statusCheckedAt'
  | 'closedAt'
  | 'createdAt'
> & { address: Contact['address']; displayName: Contact['displayName'] };

/** The recipient row a sent alert finishes: SENT, if it is still this send's (generation, from-states). */
export interface SentRecipient {
  recipientId: string;
  generation: number;
  attempt: number;
  /** The states the recipient state machine allows SENT from (its owner's rule, passed in). */
  fromStatuses: string[];
}

/** A thread whose idle timer fired (prompt sent, or conversation ended). */
export type TimedThread = Pick<
  Thread,
  'id' | 'channelId' | 'contactId' | 'idOnExternalPlatform' | 'cxoneContactId' | 'idleEndAt'
>;

/**
 * A proactive thread the auto-close claimed: its CXone contact is to be resolved. `claimedUntil` is the claim's
 * lease (the thread is due again then, should this claim's process die); it identifies the claim.
 */
export type AutoCloseClaim = Pick<Thread, 'id' | 'channelId' | 'campaignId'> & {
  cxoneContactId: string;
  claimedUntil: Date;
};

/** What finishing an auto-close found: closed now, closed already (CXone's status event came first), or answered. */
export type AutoCloseFinish = 'closed' | 'already-closed' | 'answered';

/** An open conversation whose CXone contact status is due to be read. */
export type PolledThread = Pick<Thread, 'id' | 'channelId' | 'contactId' | 'cxoneContactId'>;

/** An open proactive thread claimed for reconciliation, with what reading its CXone contact needs. */
export interface ReconcileThread {
  id: string;
  channelId: string;
  accountId: string;
  cxoneChannelId: string;
  idOnExternalPlatform: string;
  cxoneContactId: string | null;
  address: string;
  createdAt: Date;
  lastCustomerAt: Date | null;
  lastSeenMessageAt: Date | null;
  /** When it was due before the claim (a released thread goes back to this place in the line). */
  dueAt: Date;
}

/** Proactive threads reconciliation reads: still open (awaiting a reply, or answered), not on a BYOC chat channel. */
const RECONCILED_STATUSES: ThreadStatus[] = ['AWAITING_REPLY', 'REPLIED', 'OPEN'];

/**
 * A thread of `th` due for reconciliation at `$at`, in the words of thread_reconcile_due_idx's condition (the
 * reconcile_due_by_channel migration), so that the planner reads the due threads of one channel from it in the
 * order they came due, instead of every due thread for every round.
 */
function reconcileDue(at: string): string {
  const statuses = RECONCILED_STATUSES.map((s) => `'${s}'`).join(', ');
  return `th.reconcile_at IS NOT NULL AND th.origin = 'PROACTIVE' AND th.status IN (${statuses}) AND th.reconcile_at <= ${at}`;
}

const THREAD_COLUMNS = `t.id, t.channel_id AS "channelId", t.id_on_external_platform AS "idOnExternalPlatform", t.origin, t.status,
  t.close_reason AS "closeReason", t.cxone_contact_id AS "cxoneContactId", t.cxone_thread_id AS "cxoneThreadId",
  t.campaign_id AS "campaignId", t.contact_id AS "contactId", t.last_customer_at AS "lastCustomerAt",
  t.last_activity_at AS "lastActivityAt", t.idle_end_at AS "idleEndAt", t.status_checked_at AS "statusCheckedAt",
  t.closed_at AS "closedAt",
  t.created_at AS "createdAt", c.address, c.display_name AS "displayName"`;

const OPEN = OPEN_THREAD_STATUSES as ThreadStatus[];

/** The columns of a TimedThread, of table alias `t` when given. */
function timedColumns(t = ''): string {
  const c = t ? `${t}.` : '';
  return `${c}id, ${c}channel_id AS "channelId", ${c}contact_id AS "contactId",
    ${c}id_on_external_platform AS "idOnExternalPlatform", ${c}cxone_contact_id AS "cxoneContactId", ${c}idle_end_at AS "idleEndAt"`;
}

/** The thread table (and, for a sent alert, its first message and the contact it belongs to). */
@Injectable()
export class ThreadsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findById(id: string): Promise<ThreadRow | null> {
    const { rows } = await this.prisma.pool.query<ThreadRow>(
      `SELECT ${THREAD_COLUMNS} FROM thread t JOIN contact c ON c.id = t.contact_id WHERE t.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findByExternalId(channelId: string, idOnExternalPlatform: string): Promise<ThreadRow | null> {
    const { rows } = await this.prisma.pool.query<ThreadRow>(
      `SELECT ${THREAD_COLUMNS} FROM thread t JOIN contact c ON c.id = t.contact_id
       WHERE t.channel_id = $1 AND t.id_on_external_platform = $2`,
      [channelId, idOnExternalPlatform],
    );
    return rows[0] ?? null;
  }

  /** The customer's latest conversation on the channel (open or not), null when they never had one. */
  async latestOfCustomer(channelId: string, address: string): Promise<ThreadRow | null> {
    const { rows } = await this.prisma.pool.query<ThreadRow>(
      `SELECT ${THREAD_COLUMNS} FROM thread t JOIN contact c ON c.id = t.contact_id
       WHERE t.channel_id = $1 AND c.address = $2
       ORDER BY (t.status = ANY($3::"ThreadStatus"[])) DESC, t.created_at DESC, t.id DESC LIMIT 1`,
      [channelId, address, OPEN],
    );
    return rows[0] ?? null;
  }

  /** The customer's contact on the channel, created if new (with their name when given); its id. */
  async ensureContact(channelId: string, address: string, displayName: string | null): Promise<string> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `INSERT INTO contact (id, channel_id, address, display_name, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, now(), now())
       ON CONFLICT (channel_id, address) DO UPDATE SET display_name = coalesce(EXCLUDED.display_name, contact.display_name)
       RETURNING id`,
      [channelId, address, displayName],
    );
    return rows[0].id;
  }

  /**
   * A new conversation (OPEN) with this external id, or the existing thread with it (CXone retrying, or an agent's
   * message on a thread a proactive alert opened a moment ago); `created` says which.
   */
  async openConversation(conversation: {
    channelId: string;
    contactId: string;
    idOnExternalPlatform: string;
    origin: Extract<Thread['origin'], 'INBOUND' | 'AGENT'>;
  }): Promise<{ thread: ThreadRow; created: boolean }> {
    const { rows } = await this.prisma.pool.query<{ id: string; created: boolean }>(
      `WITH ins AS (
         INSERT INTO thread (id, channel_id, contact_id, id_on_external_platform, origin, status, last_activity_at, created_at, updated_at)
         VALUES (gen_random_uuid(), $1, $2, $3, $4::"ThreadOrigin", 'OPEN', now(), now(), now())
         ON CONFLICT (channel_id, id_on_external_platform) DO NOTHING RETURNING id)
       SELECT id, true AS created FROM ins
       UNION ALL SELECT id, false FROM thread WHERE channel_id = $1 AND id_on_external_platform = $3 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [conversation.channelId, conversation.contactId, conversation.idOnExternalPlatform, conversation.origin],
    );
    const row = rows[0];
    if (row) return { thread: (await this.findById(row.id))!, created: row.created };
    // A concurrent insert of the same thread (e.g. the alert's send recording it) committed while this one waited for
    // it: this statement's snapshot is older than that row, so it is read by a new one.
    const stored = await this.findByExternalId(conversation.channelId, conversation.idOnExternalPlatform);
    if (!stored) throw new Error(`thread ${conversation.idOnExternalPlatform} neither inserted nor found`);
    return { thread: stored, created: false };
  }

  /**
   * The customer wrote: the thread is open (again) and its idle timer restarts (`idlePromptSeconds` null: no idle
   * timer, e.g. SMS). Null when the thread is closed: nothing may be added to it.
   */
  async noteCustomerMessage(threadId: string, idlePromptSeconds: number | null): Promise<ThreadStatus | null> {
    const { rows } = await this.prisma.pool.query<{ status: ThreadStatus }>(
      `UPDATE thread SET status = 'OPEN', last_customer_at = now(), last_activity_at = now(), updated_at = now(),
         idle_prompt_at = CASE WHEN $2::int IS NULL THEN NULL ELSE now() + make_interval(secs => $2::int) END,
         idle_end_at = NULL, auto_close_at = NULL, close_reason = NULL
       WHERE id = $1 AND status = ANY($3::"ThreadStatus"[]) RETURNING status`,
      [threadId, idlePromptSeconds, threadAllowedFrom('OPEN').concat('OPEN')],
    );
    return rows[0]?.status ?? null;
  }

  /**
   * The customer wrote on a proactive (or SMS/WhatsApp) thread at `at`: an alert awaiting a reply is now answered
   * (REPLIED; its auto-close is off, and an auto-close in progress is called off: see claimAutoClose), and the first
   * reply's time is kept. `firstReply` says whether this was it. A closed thread keeps its status (CXone opens a new
   * contact for the message; the reply still counts).
   */
  async noteReply(threadId: string, at: Date): Promise<{ status: ThreadStatus; firstReply: boolean } | null> {
    const { rows } = await this.prisma.pool.query<{ status: ThreadStatus; firstReply: boolean }>(
      `UPDATE thread t SET
         status = CASE WHEN t.status = 'AWAITING_REPLY' THEN 'REPLIED'::"ThreadStatus" ELSE t.status END,
         close_reason = CASE WHEN t.status = 'CLOSED' THEN t.close_reason END,
         first_reply_at = coalesce(t.first_reply_at, $2), auto_close_at = NULL,
         last_customer_at = greatest(t.last_customer_at, $2), last_activity_at = now(), updated_at = now()
       FROM (SELECT id, first_reply_at FROM thread WHERE id = $1 FOR UPDATE) before
       WHERE t.id = before.id
       RETURNING t.status, before.first_reply_at IS NULL AS "firstReply"`,
      [threadId, at],
    );
    return rows[0] ?? null;
  }

  /** The customer opted out by a message on this thread (kept for the campaign's counts). */
  async markOptedOut(threadId: string, at: Date): Promise<void> {
    await this.prisma.pool.query(
      'UPDATE thread SET opted_out_at = coalesce(opted_out_at, $2), updated_at = now() WHERE id = $1',
      [threadId, at],
    );
  }

  async noteAgentMessage(threadId: string): Promise<void> {
    await this.prisma.pool.query(
      'UPDATE thread SET last_agent_at = now(), last_activity_at = now(), updated_at = now() WHERE id = $1',
      [threadId],
    );
  }

  async channelsWithThread(idOnExternalPlatform: string): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ channelId: string }>(
      'SELECT channel_id AS "channelId" FROM thread WHERE id_on_external_platform = $1',
      [idOnExternalPlatform],
    );
    return rows.map((r) => r.channelId);
  }

  async markStatusChecked(threadId: string): Promise<void> {
    await this.prisma.pool.query('UPDATE thread SET status_checked_at = now() WHERE id = $1', [threadId]);
  }

  /** CXone's ids for the thread, as its answers reveal them (a new contact replaces a closed one). */
  async setCxoneIds(threadId: string, cxoneContactId: string | null, cxoneThreadId: string | null): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE thread SET cxone_contact_id = coalesce($2, cxone_contact_id), cxone_thread_id = coalesce($3, cxone_thread_id),
         updated_at = now() WHERE id = $1`,
      [threadId, cxoneContactId, cxoneThreadId],
    );
  }

  /**
   * Ends the conversation for good; null when it was closed already. An alert whose auto-close is in progress keeps
   * UNANSWERED (its CXone contact's end, pushed by CXone, is the auto-close's own).
   */
  async close(threadId: string, reason: ThreadCloseReason): Promise<TimedThread | null> {
    const { rows } = await this.prisma.pool.query<TimedThread>(
      `UPDATE thread SET status = 'CLOSED', close_reason = coalesce(close_reason, $2::"ThreadCloseReason"), closed_at = now(),
         updated_at = now(), idle_prompt_at = NULL, idle_end_at = NULL, auto_close_at = NULL
       WHERE id = $1 AND status = ANY($3::"ThreadStatus"[])
       RETURNING ${timedColumns()}`,
      [threadId, reason, threadAllowedFrom('CLOSED')],
    );
    return rows[0] ?? null;
  }

  /**
   * Open conversations whose customer has been silent past their channel's idle time: each moves to IDLE_PROMPTED
   * with its end due after the channel's countdown. Concurrent callers (replicas) never take the same thread.
   */
  async promptIdle(limit: number): Promise<TimedThread[]> {
    const { rows } = await this.prisma.pool.query<TimedThread>(
      `UPDATE thread t SET status = 'IDLE_PROMPTED', idle_end_at = now() + make_interval(secs => ch.idle_end_seconds),
         idle_prompt_at = NULL, updated_at = now()
       FROM channel ch,
         (SELECT id FROM thread WHERE status = 'OPEN' AND idle_prompt_at <= now()
          ORDER BY idle_prompt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE t.id = due.id AND ch.id = t.channel_id AND t.status = ANY($2::"ThreadStatus"[])
       RETURNING ${timedColumns('t')}`,
      [limit, threadAllowedFrom('IDLE_PROMPTED')],
    );
    return rows;
  }

  /** Prompted conversations whose countdown ran out: closed (IDLE_TIMEOUT). */
  async endIdle(limit: number): Promise<TimedThread[]> {
    const { rows } = await this.prisma.pool.query<TimedThread>(
      `UPDATE thread t SET status = 'CLOSED', close_reason = 'IDLE_TIMEOUT', closed_at = now(), updated_at = now()
       FROM (SELECT id FROM thread WHERE status = 'IDLE_PROMPTED' AND idle_end_at <= now()
             ORDER BY idle_end_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE t.id = due.id AND t.status = ANY($2::"ThreadStatus"[])
       RETURNING ${timedColumns('t')}`,
      [limit, threadAllowedFrom('CLOSED')],
    );
    return rows;
  }

  /**
   * Open BYOC conversations with a CXone contact whose status was not read for `everyMs`, least recently read
   * first; marked as read now (so replicas share the work).
   */
  async dueForStatusCheck(everyMs: number, limit: number): Promise<PolledThread[]> {
    const { rows } = await this.prisma.pool.query<PolledThread>(
      `UPDATE thread t SET status_checked_at = now()
       FROM (SELECT th.id FROM thread th JOIN channel ch ON ch.id = th.channel_id
             WHERE th.status = ANY($3::"ThreadStatus"[]) AND th.cxone_contact_id IS NOT NULL AND ch.kind = 'BYOC_CHAT'
               AND (th.status_checked_at IS NULL OR th.status_checked_at < now() - make_interval(secs => $1))
             ORDER BY th.status_checked_at NULLS FIRST LIMIT $2 FOR UPDATE OF th SKIP LOCKED) due
       WHERE t.id = due.id
       RETURNING t.id, t.channel_id AS "channelId", t.contact_id AS "contactId", t.cxone_contact_id AS "cxoneContactId"`,
      [everyMs / 1000, limit, ['OPEN', 'IDLE_PROMPTED']],
    );
    return rows;
  }

  /** The CXone accounts with proactive threads due for reconciliation at `now`. */
  async accountsDueForReconcile(now: Date): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ accountId: string }>(
      // One probe of the index per channel, for its most overdue thread (a round runs every second; reading every due
      // thread grew with every alert sent). Written as EXISTS, the planner hashed all due threads when most were due.
      `SELECT DISTINCT ch.account_id AS "accountId" FROM channel ch
       CROSS JOIN LATERAL (SELECT 1 FROM thread th WHERE th.channel_id = ch.id AND ${reconcileDue('$1')}
                           ORDER BY th.reconcile_at LIMIT 1) due
       WHERE ch.kind <> 'BYOC_CHAT'`,
      [now],
    );
    return rows.map((r) => r.accountId);
  }

  /**
   * Claims up to `limit` of the account's due proactive threads, most overdue first (the newest alert first among
   * equals), by pushing their reconcile_at to `leaseUntil`: replicas never take the same thread, and one whose
   * claimer died is due again when the lease ends.
   */
  async claimForReconcile(accountId: string, now: Date, leaseUntil: Date, limit: number): Promise<ReconcileThread[]> {
    const { rows } = await this.prisma.pool.query<ReconcileThread>(
      `UPDATE thread t SET reconcile_at = $3
       FROM (SELECT d.id, d.due_at FROM channel ch
             CROSS JOIN LATERAL (
               -- each channel's most overdue, read in order from the index: at most $4 rows a channel
               SELECT th.id, th.reconcile_at AS due_at, th.created_at FROM thread th
               WHERE th.channel_id = ch.id AND ${reconcileDue('$2')}
               ORDER BY th.reconcile_at, th.created_at DESC LIMIT $4 FOR UPDATE OF th SKIP LOCKED) d
             WHERE ch.account_id = $1 AND ch.kind <> 'BYOC_CHAT'
             ORDER BY d.due_at, d.created_at DESC LIMIT $4) due,
         channel ch, contact c
       WHERE t.id = due.id AND ch.id = t.channel_id AND c.id = t.contact_id
       RETURNING t.id, t.channel_id AS "channelId", ch.account_id AS "accountId", ch.cxone_channel_id AS "cxoneChannelId",
         t.id_on_external_platform AS "idOnExternalPlatform", t.cxone_contact_id AS "cxoneContactId", c.address,
         t.created_at AS "createdAt", t.last_customer_at AS "lastCustomerAt",
         t.last_seen_message_at AS "lastSeenMessageAt", due.due_at AS "dueAt"`,
      [accountId, now, leaseUntil, limit],
    );
    return rows;
  }

  // ── auto-close of unanswered alerts ──
  //
  // An alert's thread awaits its reply until auto_close_at (sent time + its campaign's window). The auto-close claims
  // due threads by marking them close_reason = UNANSWERED while they are still AWAITING_REPLY ("closing": the marker
  // means the CXone contact is being resolved), with auto_close_at moved to the claim's lease. Every step after is
  // conditional on that state, so a reply (noteReply / noteCustomerMessage: OPEN, marker cleared) always wins over a
  // claim that has not finished, two replicas never hold one thread, and a claim whose process died is due again when
  // its lease ends. The thread becomes CLOSED only once CXone resolved the contact (or the contact is gone).

  /**
   * Claims up to `limit` threads due at `now` (oldest due first), leased until `leaseUntil`. Threads whose CXone
   * contact number is not known are left alone: there is nothing to resolve yet.
   */
  async claimAutoClose(now: Date, leaseUntil: Date, limit: number): Promise<AutoCloseClaim[]> {
    const { rows } = await this.prisma.pool.query<AutoCloseClaim>(
      `UPDATE thread t SET close_reason = 'UNANSWERED', auto_close_at = $2, updated_at = now()
       FROM (SELECT id FROM thread
             WHERE status = 'AWAITING_REPLY' AND auto_close_at <= $1 AND cxone_contact_id IS NOT NULL
             ORDER BY auto_close_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
       WHERE t.id = due.id AND t.status = 'AWAITING_REPLY' AND t.auto_close_at <= $1
       RETURNING t.id, t.channel_id AS "channelId", t.campaign_id AS "campaignId",
         t.cxone_contact_id AS "cxoneContactId", t.auto_close_at AS "claimedUntil"`,
      [now, leaseUntil, limit],
    );
    return rows;
  }

  /**
   * A reconciled thread's next read (null: none) and the newest CXone message seen on it so far (only ever moves
   * forward). A thread that closed meanwhile is not read again.
   */
  async scheduleReconcile(threadId: string, at: Date | null, lastSeenMessageAt: Date | null): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE thread SET reconcile_at = CASE WHEN status = ANY($4::"ThreadStatus"[]) THEN $2::timestamptz END,
         last_seen_message_at = greatest(last_seen_message_at, $3::timestamptz)
       WHERE id = $1`,
      [threadId, at, lastSeenMessageAt, RECONCILED_STATUSES],
    );
  }

  /**
   * Just before CXone is called: true when the claim still holds (no reply came, no other claim took over), and
   * its lease now runs to `leaseUntil`.
   */
  async holdAutoClose(claim: Pick<AutoCloseClaim, 'id' | 'claimedUntil'>, leaseUntil: Date): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE thread SET auto_close_at = $3, updated_at = now()
       WHERE id = $1 AND status = 'AWAITING_REPLY' AND close_reason = 'UNANSWERED' AND auto_close_at = $2`,
      [claim.id, claim.claimedUntil, leaseUntil],
    );
    return (rowCount ?? 0) > 0;
  }

  /** CXone resolved the contact (or it is gone): the thread is CLOSED, UNANSWERED, at `at`. */
  async finishAutoClose(threadId: string, at: Date): Promise<AutoCloseFinish> {
    const { rows } = await this.prisma.pool.query<{ status: ThreadStatus; closeReason: string | null; done: boolean }>(
      `WITH done AS (
         UPDATE thread SET status = 'CLOSED', closed_at = $2, auto_close_at = NULL, idle_prompt_at = NULL,
           idle_end_at = NULL, updated_at = now()
         WHERE id = $1 AND status = 'AWAITING_REPLY' AND status = ANY($3::"ThreadStatus"[]) AND close_reason = 'UNANSWERED'
         RETURNING id)
       SELECT status, close_reason AS "closeReason", EXISTS (SELECT 1 FROM done) AS done FROM thread WHERE id = $1`,
      [threadId, at, threadAllowedFrom('CLOSED')],
    );
    const row = rows[0];
    if (!row) return 'already-closed'; // deleted with its channel: nothing left to close
    if (row.done) return 'closed';
    return row.status === 'CLOSED' && row.closeReason === 'UNANSWERED' ? 'already-closed' : 'answered';
  }

  /** CXone could not take the change now: the thread is due again at `until` (still closing, unless answered). */
  async deferAutoClose(threadId: string, until: Date): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE thread SET auto_close_at = $2, updated_at = now()
       WHERE id = $1 AND status = 'AWAITING_REPLY' AND close_reason = 'UNANSWERED'`,
      [threadId, until],
    );
  }

  /** CXone refused for good and the contact is still open: the thread stays awaiting a reply, never auto-closed. */
  async abandonAutoClose(threadId: string): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE thread SET auto_close_at = NULL, close_reason = NULL, updated_at = now()
       WHERE id = $1 AND status = 'AWAITING_REPLY' AND close_reason = 'UNANSWERED'`,
      [threadId],
    );
  }

  /** A campaign's answered threads, in the order the first replies came; the cursor is the last thread id seen. */
  async repliedOfCampaign(campaignId: string, limit: number, after?: string): Promise<RepliedThread[]> {
    const { rows } = await this.prisma.pool.query<RepliedThread>(
      `SELECT t.id, c.address, c.display_name AS name, t.status, t.close_reason AS "closeReason",
         t.first_reply_at AS "firstReplyAt", t.opted_out_at AS "optedOutAt"
       FROM thread t JOIN contact c ON c.id = t.contact_id
       WHERE t.campaign_id = $1 AND t.first_reply_at IS NOT NULL
         AND ($3::uuid IS NULL OR (t.first_reply_at, t.id) > (SELECT first_reply_at, id FROM thread WHERE id = $3::uuid))
       ORDER BY t.first_reply_at, t.id LIMIT $2`,
      [campaignId, limit, after ?? null],
    );
    return rows;
  }

  /**
   * Per campaign: threads answered, opted out by a message on them, and auto-closed unanswered, as the triggers on
   * thread keep them (campaign_thread_outcome; a campaign none of whose threads has an outcome yet has no row).
   */
  async outcomesOf(campaignIds: string[]): Promise<Map<string, CampaignOutcomes>> {
    const { rows } = await this.prisma.pool.query<CampaignOutcomes & { campaignId: string }>(
      `SELECT campaign_id AS "campaignId", replied::int, opted_out::int AS "optedOut", auto_closed::int AS "autoClosed"
       FROM campaign_thread_outcome WHERE campaign_id = ANY($1::uuid[])`,
      [campaignIds],
    );
    return new Map(rows.map(({ campaignId, ...outcomes }) => [campaignId, outcomes]));
  }

  /** Newest first; the cursor is the last id of the previous page. */
  async list(filter: {
    campaignId?: string;
    status?: Thread['status'];
    idOnExternalPlatform?: string;
    limit: number;
    after?: string;
  }): Promise<ThreadRow[]> {
    const params: unknown[] = [filter.campaignId ?? null, filter.status ?? null, filter.limit, filter.after ?? null];
    // By its id at CXone: unique per channel, so looked up through the (channel, id) index once per channel.
    const byExternalId =
      filter.idOnExternalPlatform === undefined
        ? ''
        : `AND t.channel_id IN (SELECT id FROM channel) AND t.id_on_external_platform = $${params.push(filter.idOnExternalPlatform)}`;
    const { rows } = await this.prisma.pool.query<ThreadRow>(
      `SELECT ${THREAD_COLUMNS} FROM thread t JOIN contact c ON c.id = t.contact_id
       WHERE ($1::uuid IS NULL OR t.campaign_id = $1::uuid) AND ($2::"ThreadStatus" IS NULL OR t.status = $2::"ThreadStatus")
         AND ($4::uuid IS NULL OR (t.created_at, t.id) < (SELECT created_at, id FROM thread WHERE id = $4::uuid))
         ${byExternalId}
       ORDER BY t.created_at DESC, t.id DESC LIMIT $3`,
      params,
    );
    return rows;
  }

  /**
   * Records sent alerts, many in one statement (the send path group-commits them): each recipient's SENT (the
   * `recipient` piece, guarded by its generation and the from-states its owner's state machine allows), and, for each
   * row that was still its send's, the customer's contact (created if new), the proactive thread linked to its
   * campaign, awaiting the reply that will land in it (its first reconciliation read due `reconcileAfterMs` later),
   * and the alert as the thread's first message. Idempotent: a repeated send of the same alert finds the same rows by
   * their external ids and only refreshes CXone's ids (a thread an agent's message on a BYOC channel opened a moment
   * earlier becomes the alert's). The statement writes the dispatch module's recipient rows and the contacts module's
   * contacts on purpose: a thread cannot exist without its contact, SENT and the thread a reply needs stay atomic, and
   * more round trips would cost every send. Answers, in order, whether each recipient was recorded SENT.
   */
  async recordSentAlerts(
    sent: Array<{ alert: SentAlert; recipient: SentRecipient }>,
    reconcileAfterMs: number,
  ): Promise<boolean[]> {
    const fromStatuses = sent[0]?.recipient.fromStatuses ?? [];
    if (sent.some((s) => s.recipient.fromStatuses.join() !== fromStatuses.join()))
      throw new Error('one batch of sent alerts must share its from-states');
    const column = <T>(pick: (s: { alert: SentAlert; recipient: SentRecipient }) => T): T[] => sent.map(pick);
    const { rows } = await this.prisma.pool.query<{ recipientId: string }>({
      // prepared once per connection: PostgreSQL then skips parsing (and, once it trusts a generic plan, planning) it
      name: 'threads-record-sent-alerts',
      text: `WITH s AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[],
                              $9::text[], $10::text[], $11::uuid[], $12::int[], $13::int[])
           AS s(channel_id, address, display_name, thread_ext, cxone_contact_id, cxone_thread_id, campaign_id, message_ext,
                cxone_message_id, content, recipient_id, generation, attempt)),
       r AS (
         UPDATE campaign_recipient cr SET status = 'SENT', sent_at = now(), finished_at = now(), updated_at = now(),
           cxone_contact_id = s.cxone_contact_id, cxone_thread_id = s.cxone_thread_id, cxone_message_id = s.cxone_message_id,
           failure_reason = NULL, last_error = NULL, attempts = s.attempt
         FROM s WHERE cr.id = s.recipient_id AND cr.generation = s.generation AND cr.status = ANY($14::"RecipientStatus"[])
         RETURNING cr.id),
       rs AS (SELECT s.* FROM s JOIN r ON r.id = s.recipient_id),
       c AS (
         INSERT INTO contact (id, channel_id, address, display_name, created_at, updated_at)
         SELECT DISTINCT ON (channel_id, address) gen_random_uuid(), channel_id, address, display_name, now(), now()
         FROM rs ORDER BY channel_id, address, display_name NULLS LAST
         ON CONFLICT (channel_id, address) DO UPDATE SET display_name = coalesce(EXCLUDED.display_name, contact.display_name), updated_at = now()
         RETURNING id, channel_id, address),
       t AS (
         INSERT INTO thread (id, channel_id, contact_id, id_on_external_platform, origin, status, cxone_contact_id, cxone_thread_id,
                             campaign_id, auto_close_at, last_activity_at, reconcile_at, created_at, updated_at)
         SELECT gen_random_uuid(), rs.channel_id, c.id, rs.thread_ext, 'PROACTIVE', 'AWAITING_REPLY', rs.cxone_contact_id,
           rs.cxone_thread_id, rs.campaign_id, now() + make_interval(secs => cp.auto_close_after_seconds), now(),
           now() + make_interval(secs => $15), now(), now()
         FROM rs JOIN c ON c.channel_id = rs.channel_id AND c.address = rs.address LEFT JOIN campaign cp ON cp.id = rs.campaign_id
         ON CONFLICT (channel_id, id_on_external_platform) DO UPDATE
           SET cxone_contact_id = coalesce(EXCLUDED.cxone_contact_id, thread.cxone_contact_id),
               auto_close_at = CASE WHEN thread.status = 'AWAITING_REPLY' AND thread.close_reason IS NULL
                 THEN coalesce(thread.auto_close_at, EXCLUDED.auto_close_at) ELSE thread.auto_close_at END,
               cxone_thread_id = coalesce(EXCLUDED.cxone_thread_id, thread.cxone_thread_id),
               reconcile_at = CASE WHEN thread.status = ANY($16::"ThreadStatus"[])
                                   THEN coalesce(thread.reconcile_at, EXCLUDED.reconcile_at) END,
               origin = 'PROACTIVE', campaign_id = coalesce(thread.campaign_id, EXCLUDED.campaign_id), updated_at = now()
         RETURNING id, channel_id, id_on_external_platform),
       m AS (
         INSERT INTO message (id, channel_id, thread_id, direction, author, id_on_external_platform, cxone_message_id, content, status,
                              created_at, updated_at)
         SELECT gen_random_uuid(), rs.channel_id, t.id, 'OUTBOUND', 'SYSTEM', rs.message_ext, rs.cxone_message_id, rs.content::jsonb,
           'SENT', now(), now()
         FROM rs JOIN t ON t.channel_id = rs.channel_id AND t.id_on_external_platform = rs.thread_ext
         ON CONFLICT (channel_id, id_on_external_platform) DO UPDATE
           SET cxone_message_id = coalesce(EXCLUDED.cxone_message_id, message.cxone_message_id), updated_at = now()
         RETURNING id)
       SELECT r.id AS "recipientId" FROM r WHERE (SELECT count(*) FROM m) >= 0`,
      values: [
        column((s) => s.alert.channelId),
        column((s) => s.alert.contact.address),
        column((s) => s.alert.contact.displayName),
        column((s) => s.alert.thread.idOnExternalPlatform),
        column((s) => s.alert.thread.cxoneContactId),
        column((s) => s.alert.thread.cxoneThreadId),
        column((s) => s.alert.thread.campaignId),
        column((s) => s.alert.message.idOnExternalPlatform),
        column((s) => s.alert.message.cxoneMessageId),
        column((s) => JSON.stringify(s.alert.message.content)),
        column((s) => s.recipient.recipientId),
        column((s) => s.recipient.generation),
        column((s) => s.recipient.attempt),
        fromStatuses,
        reconcileAfterMs / 1000,
        RECONCILED_STATUSES,
      ],
    });
    const recorded = new Set(rows.map((r) => r.recipientId));
    return sent.map((s) => recorded.delete(s.recipient.recipientId));
  }
}
