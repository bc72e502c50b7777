import { normalizeAddress } from './address';

describe('normalizeAddress', () => {
  it('normalises phone numbers to E.164', () => {
    expect(normalizeAddress('SMS', ' +1 202-555-0143 ')).toEqual({ ok: true, address: '+12025550143' });
    expect(normalizeAddress('WHATSAPP', '+44 7911 123456')).toEqual({ ok: true, address: '+447911123456' });
  });

  it('rejects numbers that are not international or not valid, saying why', () => {
    expect(normalizeAddress('SMS', '2025550143')).toEqual({
      ok: false,
      reason: expect.stringContaining('international format') as string,
    });
    expect(normalizeAddress('SMS', '+1 202 555')).toEqual({
      ok: false,
      reason: 'not a valid phone number: too short for a +1 number',
    });
    expect(normalizeAddress('SMS', '+1 202 555 0143 99')).toEqual({
      ok: false,
      reason: 'not a valid phone number: too long for a +1 number',
    });
    expect(normalizeAddress('SMS', '+999 1234 5678')).toEqual({
      ok: false,
      reason: 'not a valid phone number: +999 is not a country calling code in use',
    });
    expect(normalizeAddress('SMS', '')).toEqual({ ok: false, reason: 'missing address' });
    expect(normalizeAddress('SMS', 12025550143)).toEqual({ ok: false, reason: 'missing address' });
  });

  it('explains why a made-up number of the right length is refused, and offers a valid fictional one', () => {
    for (const madeUp of ['+15559998888', '+15551234567']) {
      expect(normalizeAddress('SMS', madeUp)).toEqual({
        ok: false,
        reason:
          'not a valid phone number: no number range in use under +1 contains it (555 is not an area code); ' +
          'for a made-up number use a fictional one such as +12025550143 (555-0100 to 555-0199 after a real area code)',
      });
    }
    expect(normalizeAddress('SMS', '+11235550143')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^not a valid phone number: no number range in use under \+1 contains it; for a/,
      ) as string,
    });
    expect(normalizeAddress('SMS', '+12025550143')).toEqual({ ok: true, address: '+12025550143' });
  });

  it('takes chat user ids as given', () => {
    expect(normalizeAddress('BYOC_CHAT', ' user-42 ')).toEqual({ ok: true, address: 'user-42' });
    expect(normalizeAddress('BYOC_CHAT', 'x'.repeat(256)).ok).toBe(false);
  });
});
