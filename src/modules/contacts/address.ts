import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

export type AddressKind = 'SMS' | 'WHATSAPP' | 'BYOC_CHAT';

export type AddressResult = { ok: true; address: string } | { ok: false; reason: string };

const MAX_EXTERNAL_ID = 255;

/**
 * Normalises a recipient address for a channel kind: SMS and WhatsApp take a valid phone number in international
 * format (normalised to E.164, so "+1 202-555-0143" and "+12025550143" are the same person); chat channels take
 * the platform's user id as given (trimmed).
 */
export function normalizeAddress(kind: AddressKind, raw: unknown): AddressResult {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'missing address' };
  const value = raw.trim();
  if (kind === 'BYOC_CHAT') {
    if (value.length > MAX_EXTERNAL_ID)
      return { ok: false, reason: `external id longer than ${MAX_EXTERNAL_ID} characters` };
    return { ok: true, address: value };
  }
  if (!value.startsWith('+'))
    return { ok: false, reason: 'phone number must be in international format (+<country code>…)' };
  const phone = parsePhoneNumberFromString(value);
  if (!phone || !phone.isValid()) return { ok: false, reason: 'not a valid phone number' };
  return { ok: true, address: phone.number };
}
