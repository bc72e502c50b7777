import { Injectable } from '@nestjs/common';
import type { DfoChannel, DfoMessageContent, DfoRecipient } from '@/integrations/cxone/dfo.types';
import { isoAt, SimClock } from '@/simulator/common/clock';
import { FieldCheck, isObject } from '@/simulator/common/field-check';
import { ControlError, DfoError } from '@/simulator/common/sim-errors';
import { ConversationStore } from '@/simulator/state/conversations';
import { SimSettings } from '@/simulator/state/sim-settings';
import { consentKeyword, KeywordMatch } from './keywords';

/** An end user who opted out of one channel. */
export interface SimOptOut {
  channelId: string;
  idOnExternalPlatform: string;
  optedOutAt: string;
  /** 'keyword': the customer wrote STOP (or another opt-out keyword); 'control': POST /sim/opt-outs. */
  source: 'keyword' | 'control';
  keyword: string | null;
}

export const OPTED_OUT_MESSAGE = 'The recipient opted out of messages on this channel (STOP)';

const key = (channelId: string, id: string): string => `${channelId}\u0000${id}`;

/**
 * CXone's own STOP handling on SMS channels [I: the reference finds no public source; nativeOptOut turns it off]:
 * an inbound message that is only an opt-out keyword records the sender as opted out of that channel, an opt-in
 * keyword clears it, and outbound to an opted-out number is refused (optOutRefusalStatus, optOutErrorCode). The
 * message itself is stored as usual. Applies to channels whose realExternalPlatformId is 'sms'.
 */
@Injectable()
export class NativeOptOut {
  private entries = new Map<string, SimOptOut>();

  constructor(
    private readonly settings: SimSettings,
    private readonly store: ConversationStore,
    private readonly clock: SimClock,
  ) {}

  /** Whether CXone handles consent on this channel itself (nativeOptOut on, an SMS channel). */
  appliesTo(channel: DfoChannel): boolean {
    return this.settings.value.nativeOptOut && channel.realExternalPlatformId === 'sms';
  }

  /** An inbound customer message: opts the sender out (or back in) when it is only a consent keyword. */
  onInbound(channel: DfoChannel, from: string, content: DfoMessageContent, now: number): KeywordMatch | null {
    if (!this.appliesTo(channel)) return null;
    const text = content.type === 'TEXT' ? (content.payload as { text?: unknown }).text : undefined;
    if (typeof text !== 'string') return null;
    const match = consentKeyword(text);
    if (!match) return null;
    if (match.action === 'optOut') this.optOut(channel.id, from, now, 'keyword', match.keyword);
    else this.entries.delete(key(channel.id, from));
    return match;
  }

  /** Refuses outbound to opted-out recipients (every one named, under the field name the caller used). */
  refuseOptedOut(channel: DfoChannel, recipients: readonly DfoRecipient[], field = 'recipients'): void {
    if (!this.appliesTo(channel) || this.entries.size === 0) return;
    const s = this.settings.value;
    const errors = recipients.flatMap((r, i) =>
      this.entries.has(key(channel.id, r.idOnExternalPlatform))
        ? [{ errorCode: s.optOutErrorCode, message: OPTED_OUT_MESSAGE, field: `${field}[${i}].idOnExternalPlatform` }]
        : [],
    );
    if (errors.length > 0) throw new DfoError(s.optOutRefusalStatus, errors);
  }

  isOptedOut(channelId: string, idOnExternalPlatform: string): boolean {
    return this.entries.has(key(channelId, idOnExternalPlatform));
  }

  /** GET /sim/opt-outs[?channelId=]: oldest first. */
  list(channelId?: string): SimOptOut[] {
    return [...this.entries.values()].filter((e) => !channelId || e.channelId === channelId).map((e) => ({ ...e }));
  }

  /** POST /sim/opt-outs {channelId, idOnExternalPlatform}: answers whether it is new (an existing one is kept). */
  add(body: unknown): { entry: SimOptOut; created: boolean } {
    const { channelId, idOnExternalPlatform } = this.validate(body);
    const existing = this.entries.get(key(channelId, idOnExternalPlatform));
    if (existing) return { entry: { ...existing }, created: false };
    return {
      entry: { ...this.optOut(channelId, idOnExternalPlatform, this.clock.nowMs(), 'control', null) },
      created: true,
    };
  }

  /** DELETE /sim/opt-outs/{channelId}/{idOnExternalPlatform}. */
  remove(channelId: string, idOnExternalPlatform: string): void {
    if (!this.entries.delete(key(channelId, idOnExternalPlatform))) {
      throw new ControlError(404, `${idOnExternalPlatform} is not opted out of channel ${channelId}`);
    }
  }

  /** A deleted channel takes its opt-outs with it. */
  forgetChannel(channelId: string): void {
    for (const [k, entry] of this.entries) if (entry.channelId === channelId) this.entries.delete(k);
  }

  clear(): void {
    this.entries = new Map();
  }

  private optOut(channelId: string, id: string, now: number, source: SimOptOut['source'], keyword: string | null) {
    const k = key(channelId, id);
    let entry = this.entries.get(k);
    if (!entry) {
      entry = { channelId, idOnExternalPlatform: id, optedOutAt: isoAt(now), source, keyword };
      this.entries.set(k, entry);
    }
    return entry;
  }

  private validate(body: unknown): { channelId: string; idOnExternalPlatform: string } {
    if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object');
    const check = new FieldCheck();
    check.noExtraKeys(body, ['channelId', 'idOnExternalPlatform']);
    const channelId = check.string(body.channelId, 'channelId', { maxLength: 255 });
    const id = check.string(body.idOnExternalPlatform, 'idOnExternalPlatform', { maxLength: 255 });
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    const channel = this.store.channel(channelId!);
    if (!channel) throw new ControlError(404, `channel ${channelId} does not exist`);
    if (channel.realExternalPlatformId !== 'sms') {
      throw new ControlError(409, `channel ${channelId} is not an SMS channel: CXone's native opt-out applies to SMS`);
    }
    return { channelId: channelId!, idOnExternalPlatform: id! };
  }
}
