import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/min';
import { installPhonePatternCache } from './phone-pattern-cache';

installPhonePatternCache();

export type AddressKind = 'SMS' | 'WHATSAPP' | 'BYOC_CHAT';

export type AddressResult = { ok: true; address: string } | { ok: false; reason: string };

const MAX_EXTERNAL_ID = 255;
/**
 * A fictional number that is valid: 555-0100 to 555-0199 after a real North American area code are reserved for
 * fiction and examples. Made-up numbers like +1 555 123 4567 are not valid (there is no area code 555).
 */
const FICTIONAL_EXAMPLE = '+12025550143';

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
  if (!phone || !phone.isValid()) return { ok: false, reason: `not a valid phone number${whyInvalid(value)}` };
  return { ok: true, address: phone.number };
}

/** Why libphonenumber refuses `value` (in international format), as the end of the reason. */
function whyInvalid(value: string): string {
  const phone = parsePhoneNumberFromString(value);
  const code = phone?.countryCallingCode ?? /^\+\s*(\d{1,3})/.exec(value)?.[1];
  switch (validatePhoneNumberLength(value)) {
    case 'INVALID_COUNTRY':
      return code ? `: +${code} is not a country calling code in use` : '';
    case 'TOO_SHORT':
      return `: too short for a +${code ?? ''} number`;
    case 'TOO_LONG':
      return `: too long for a +${code ?? ''} number`;
    case 'INVALID_LENGTH':
      return `: no +${code ?? ''} number has this many digits`;
    case 'NOT_A_NUMBER':
      return '';
    case undefined: {
      if (!phone) return '';
      // The length is right, but no range of the country's numbering plan contains it: typically a made-up number.
      const noAreaCode = phone.countryCallingCode === '1' && phone.nationalNumber.startsWith('555');
      return (
        `: no number range in use under +${phone.countryCallingCode} contains it` +
        (noAreaCode ? ' (555 is not an area code)' : '') +
        `; for a made-up number use a fictional one such as ${FICTIONAL_EXAMPLE}` +
        ' (555-0100 to 555-0199 after a real area code)'
      );
    }
  }
}
