import { randomBytes, randomUUID } from 'node:crypto';

export const uuid = (): string => randomUUID();

/**
 * CXone contact numbers are 16-digit numeric strings that grow with time (e.g. "1749798712389111": epoch ms followed
 * by three digits). Generated as epoch ms × 1000 plus a counter, so they are unique and increasing.
 */
export class ContactNumbers {
  private last = 0;

  next(nowMs: number): string {
    this.last = Math.max(this.last + 1, Math.floor(nowMs) * 1000);
    return String(this.last);
  }
}

/** Ids native platforms give the messages they send (Twilio-like for SMS, wamid for WhatsApp). */
export function platformMessageId(platform: string): string {
  if (platform === 'sms') return `SM${randomBytes(16).toString('hex')}`;
  if (platform === 'whatsapp') return `wamid.${randomBytes(24).toString('base64url')}`;
  return `sim-${randomUUID()}`;
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
