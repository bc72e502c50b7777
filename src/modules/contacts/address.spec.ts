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
    expect(normalizeAddress('SMS', '+1 202 555')).toEqual({ ok: false, reason: 'not a valid phone number' });
    expect(normalizeAddress('SMS', '')).toEqual({ ok: false, reason: 'missing address' });
    expect(normalizeAddress('SMS', 12025550143)).toEqual({ ok: false, reason: 'missing address' });
  });

  it('takes chat user ids as given', () => {
    expect(normalizeAddress('BYOC_CHAT', ' user-42 ')).toEqual({ ok: true, address: 'user-42' });
    expect(normalizeAddress('BYOC_CHAT', 'x'.repeat(256)).ok).toBe(false);
  });
});
