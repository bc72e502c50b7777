import { Client } from 'pg';
import { MessagesService } from '@/modules/messages/messages.service';
import { ThreadsService } from '@/modules/threads/threads.service';
import { Channel, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

/**
 * Inserting a thread or a message "once" while another transaction inserts the same one (a BYOC alert's send
 * recording it while CXone hands the alert to the middleware): the insert waits for the other, and once that commits
 * it answers the row the other stored, not an error.
 */
describe('insert-once of a thread or message racing a concurrent insert of the same row', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let chat: Channel;
  let other: Client;

  /** Runs `sql` in an open transaction of another connection; commit() ends it. */
  const uncommitted = async (sql: string, params: unknown[]): Promise<{ commit: () => Promise<void> }> => {
    await other.query('BEGIN');
    await other.query(sql, params);
    return { commit: async () => void (await other.query('COMMIT')) };
  };
  /** Resolves once some backend waits for a lock (the racing insert is blocked on the open transaction). */
  const blocked = (): Promise<unknown> =>
    eventually(
      async () =>
        (
          await other.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
          )
        ).rows[0].n,
      (n) => n > 0,
      { what: 'the racing insert to wait for the open transaction' },
    );

  beforeAll(async () => {
    sim = await startSimulator();
    t = await startTestApp({ ...sim.appEnv, SWEEPER_INTERVAL_MS: '60000' });
    const admin = await t.clientWithScopes('admin');
    chat = await registerChannel(admin, 'chat_race_test', 'BYOC_CHAT');
    other = new Client({ connectionString: t.db.url });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await t.close();
    await sim.close();
  });

  it('answers the thread the other transaction stored', async () => {
    const threads = t.app.get(ThreadsService);
    const contactId = await threads.ensureContact(chat.id, 'visitor-1', null);
    const open = await uncommitted(
      `INSERT INTO thread (id, channel_id, contact_id, id_on_external_platform, origin, status, last_activity_at, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, 'tl-race-thread', 'PROACTIVE', 'AWAITING_REPLY', now(), now(), now())`,
      [chat.id, contactId],
    );
    const racing = threads.openConversation({
      channelId: chat.id,
      contactId,
      idOnExternalPlatform: 'tl-race-thread',
      origin: 'AGENT',
    });
    await blocked();
    await open.commit();

    const { thread, created } = await racing;
    expect({ created, origin: thread.origin, status: thread.status }).toEqual({
      created: false,
      origin: 'PROACTIVE',
      status: 'AWAITING_REPLY',
    });
  });

  it('answers the message the other transaction stored', async () => {
    const threads = t.app.get(ThreadsService);
    const contactId = await threads.ensureContact(chat.id, 'visitor-2', null);
    const { thread } = await threads.openConversation({
      channelId: chat.id,
      contactId,
      idOnExternalPlatform: 'tl-race-2',
      origin: 'AGENT',
    });
    const open = await uncommitted(
      `INSERT INTO message (id, channel_id, thread_id, direction, author, id_on_external_platform, content, status, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, 'OUTBOUND', 'SYSTEM', 'tlm-race-message', '{}', 'SENT', now(), now())`,
      [chat.id, thread.id],
    );
    const racing = t.app.get(MessagesService).insertOnce({
      channelId: chat.id,
      threadId: thread.id,
      direction: 'OUTBOUND',
      author: 'SYSTEM',
      idOnExternalPlatform: 'tlm-race-message',
      content: { type: 'TEXT', text: 'the alert' },
      status: 'DELIVERED',
    });
    await blocked();
    await open.commit();

    const { message, created } = await racing;
    expect({ created, status: message.status, threadId: message.threadId }).toEqual({
      created: false,
      status: 'SENT',
      threadId: thread.id,
    });
  });
});
