import { createHash } from 'node:crypto';
import { DatabaseNotifications } from '@/infra/prisma/database-notifications';
import { FakeClock } from '@/modules/dispatch/testing/dispatch-fakes';
import { ConsentChanges } from './consent-changes';

/** Notifications the test delivers by hand, with a connection it can drop. */
class HandNotifications extends DatabaseNotifications {
  private handler: ((payload: string) => void) | null = null;
  private onState: ((listening: boolean) => void) | null = null;
  private up = true;

  constructor() {
    super(undefined as never);
  }

  override get isListening(): boolean {
    return this.up;
  }

  override listen(_channel: string, handler: (payload: string) => void, onState?: (listening: boolean) => void): void {
    this.handler = handler;
    this.onState = onState ?? null;
    onState?.(this.up);
  }

  changed(channelId: string, address: string): void {
    this.handler?.(`${channelId} ${createHash('md5').update(address).digest('hex')}`);
  }

  connection(up: boolean): void {
    this.up = up;
    this.onState?.(up);
  }
}

describe('ConsentChanges', () => {
  let notifications: HandNotifications;
  let clock: FakeClock;
  let changes: ConsentChanges;

  beforeEach(() => {
    notifications = new HandNotifications();
    clock = new FakeClock();
    changes = new ConsentChanges(notifications, clock);
  });

  it('trusts a read when no change of that customer was announced since', () => {
    const mark = changes.mark();
    notifications.changed('ch-1', '+12025550100');
    expect(changes.mayHaveChanged(mark, 'ch-1', '+12025550199')).toBe(false);
    expect(changes.mayHaveChanged(mark, 'ch-2', '+12025550100')).toBe(false);
  });

  it('distrusts a read when that customer changed after it', () => {
    const mark = changes.mark();
    notifications.changed('ch-1', '+12025550100');
    expect(changes.mayHaveChanged(mark, 'ch-1', '+12025550100')).toBe(true);
    expect(changes.mayHaveChanged(changes.mark(), 'ch-1', '+12025550100')).toBe(false);
  });

  it('distrusts every read made before the connection dropped, and all reads while it is down', () => {
    const before = changes.mark();
    notifications.connection(false);
    const during = changes.mark();
    expect(changes.mayHaveChanged(during, 'ch-1', '+12025550100')).toBe(true);
    notifications.connection(true);
    expect(changes.mayHaveChanged(before, 'ch-1', '+12025550100')).toBe(true);
    expect(changes.mayHaveChanged(during, 'ch-1', '+12025550100')).toBe(true);
    expect(changes.mayHaveChanged(changes.mark(), 'ch-1', '+12025550100')).toBe(false);
  });

  it('distrusts a read older than a minute', () => {
    const mark = changes.mark();
    clock.nowMs += 60_001;
    expect(changes.mayHaveChanged(mark, 'ch-1', '+12025550100')).toBe(true);
  });
});
