import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DatabaseNotifications } from '@/infra/prisma/database-notifications';
import { Clock } from '@/infra/time/clock';

const CHANNEL = 'threadline_consent';
/** A consent read older than this is read again rather than trusted (notifications are remembered this long). */
const TRUST_FOR_MS = 60_000;

/** When a consent read was made, as far as notifications are concerned. */
export interface ConsentMark {
  /** The listening connection's session it was taken in (0: not listening then). */
  session: number;
  /** Notifications received before it. */
  seq: number;
  at: number;
}

/**
 * Tells whether a customer's consent may have changed since it was read, without a query: a trigger on the contact
 * table announces every change of its opt-out (LISTEN/NOTIFY, delivered on commit; not of the last inbound message,
 * which would make every customer message notify: a WhatsApp window that opens after the claim is used from the
 * customer's next send), and a
 * read is trusted only while the listening connection has stayed up since it, for at most a minute. The send path
 * reads consent in the statement that claims a recipient and asks here, just before the send, whether it must read
 * it again: a STOP that committed after the claim arrives as a notification and forces the read.
 *
 * (A change committed in the instant before the check whose notification is still on the wire is missed, as a
 * query would miss a change committing just after it: the check is as late as a query would be, less that instant.)
 */
@Injectable()
export class ConsentChanges {
  /** channel + md5(address) → the seq of its last change; insertion-ordered, oldest first, pruned after TRUST_FOR_MS. */
  private readonly changed = new Map<string, { seq: number; at: number }>();
  private seq = 0;
  private session = 0;
  private sessions = 0;
  private started = false;

  constructor(
    private readonly notifications: DatabaseNotifications,
    private readonly clock: Clock,
  ) {}

  /** Take this before reading consent. */
  mark(): ConsentMark {
    this.start();
    return { session: this.session, seq: this.seq, at: this.clock.now() };
  }

  /** Whether consent read after `mark` may be stale now (then read it again). */
  mayHaveChanged(mark: ConsentMark, channelId: string, address: string): boolean {
    if (mark.session === 0 || mark.session !== this.session || !this.notifications.isListening) return true;
    if (this.clock.now() - mark.at > TRUST_FOR_MS) return true;
    const last = this.changed.get(key(channelId, address));
    return last !== undefined && last.seq > mark.seq;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.notifications.listen(
      CHANNEL,
      (payload) => {
        const now = this.clock.now();
        const seq = ++this.seq;
        this.changed.delete(payload);
        this.changed.set(payload, { seq, at: now });
        for (const [k, v] of this.changed) {
          if (now - v.at <= TRUST_FOR_MS) break;
          this.changed.delete(k);
        }
      },
      (listening) => {
        // A new session on every (re)connect: what was read before it is not trusted (notifications may be lost).
        this.session = listening ? ++this.sessions : 0;
        if (!listening) this.changed.clear();
      },
    );
  }
}

/** As the trigger writes it: the channel id and the md5 of the address. */
function key(channelId: string, address: string): string {
  return `${channelId} ${createHash('md5').update(address).digest('hex')}`;
}
