import { LiveEvents } from '@/infra/live/live-events';
import { RedisService } from '@/infra/redis/redis.service';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';

/**
 * Live events over Redis pub/sub as a freshly started process sees them: its subscriber connection is still being
 * set up when the first widget streams subscribe (what a deploy does to every reconnecting widget).
 */
describe('live events', () => {
  let t: TestApp;
  const opened: LiveEvents[] = [];

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(async () => {
    for (const live of opened) await live.onApplicationShutdown();
    await t.close();
  });

  /**
   * Resolves when `live` has received a barrier published after everything the publisher published before: Redis
   * delivers one connection's publications to a subscriber in order.
   */
  const barrier = async (live: LiveEvents, publisher: LiveEvents): Promise<void> => {
    const topic = `barrier-${Math.random()}`;
    let passed!: () => void;
    const reached = new Promise<void>((resolve) => (passed = resolve));
    const leave = live.subscribe(topic, () => passed());
    expect(await live.subscribed(topic, 5_000)).toBe(true);
    await publisher.publish(topic, {});
    await reached;
    leave();
  };

  /** A LiveEvents of its own: a new subscriber connection, as in a process that just started. */
  const fresh = (): LiveEvents => {
    const live = new LiveEvents(t.app.get(RedisService));
    opened.push(live);
    return live;
  };

  it('hears every topic subscribed while its connection is still connecting, without being asked twice', async () => {
    const live = fresh();
    const topics = Array.from({ length: 50 }, (_, i) => `fresh-${i}`);
    const heard = new Map<string, unknown[]>(topics.map((topic) => [topic, []]));
    // one subscription per turn of the event loop: some while the connection is connecting, some during its
    // handshake (ready check), the rest once it is ready
    for (const topic of topics) {
      live.subscribe(topic, (payload) => heard.get(topic)!.push(payload));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }

    const publisher = fresh();
    await barrier(live, publisher); // subscribed after all of them, on the same connection
    for (const topic of topics) await publisher.publish(topic, { topic });
    await barrier(live, publisher);
    const missing = topics.filter((topic) => heard.get(topic)!.length !== 1);
    expect(missing).toEqual([]);
  });

  it('unsubscribes from Redis when the last listener of a topic leaves, not before', async () => {
    const live = fresh();
    const redis = t.app.get(RedisService);
    const subscribers = async (): Promise<number> => {
      const [, count] = (await redis.client.call('PUBSUB', 'NUMSUB', redis.key('live', 'leaving'))) as [string, number];
      return count;
    };
    const leaveFirst = live.subscribe('leaving', () => undefined);
    const leaveSecond = live.subscribe('leaving', () => undefined);
    expect(await live.subscribed('leaving', 5_000)).toBe(true);
    expect(await subscribers()).toBe(1);
    leaveFirst();
    await barrier(live, fresh());
    expect(await subscribers()).toBe(1);
    leaveSecond();
    await eventually(subscribers, (n) => n === 0, { what: 'the Redis subscription gone' });
  });
});
