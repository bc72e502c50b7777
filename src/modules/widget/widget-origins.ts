import { Injectable } from '@nestjs/common';
import { AppConfig } from '@/config';
import type { ByocChannel } from '@/modules/channels/channels.service';

/**
 * Which browser origins may use a channel's widget API: the channel's own list (PATCH /channels/{id}
 * `widgetOrigins`), and always Threadline's own origin (the demo page it serves). A request without an Origin header
 * is not from a browser page and is not limited here.
 */
@Injectable()
export class WidgetOrigins {
  private readonly own: string;

  constructor(config: AppConfig) {
    this.own = new URL(config.byoc.publicUrl).origin.toLowerCase();
  }

  allows(channel: Pick<ByocChannel, 'widgetOrigins'>, origin: string | undefined): boolean {
    if (!origin) return true;
    const o = origin.toLowerCase();
    return o === this.own || channel.widgetOrigins.includes(o) || this.sameHostAsOwn(o);
  }

  /** http://localhost:3000 and http://127.0.0.1:3000 are the same development server. */
  private sameHostAsOwn(origin: string): boolean {
    try {
      const a = new URL(origin);
      const b = new URL(this.own);
      const local = (h: string): boolean => ['localhost', '127.0.0.1', '[::1]'].includes(h);
      return a.protocol === b.protocol && a.port === b.port && local(a.hostname) && local(b.hostname);
    } catch {
      return false;
    }
  }
}
