import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookAuthHeaders, webhookSignature } from './webhook-signature';

describe('webhook signatures', () => {
  const body = '{"eventId":"e-1"}';

  it('is sha256= and the lowercase hex HMAC-SHA256 of "<timestamp>.<raw body>"', () => {
    // Reference value from `printf '%s' '1700000000.{"eventId":"e-1"}' | openssl dgst -sha256 -hmac <secret>`.
    expect(webhookSignature('threadline-dev-webhook-secret', 1_700_000_000, body)).toBe(
      'sha256=72584f148c0f244aa1b76a7166a2a1e2412ef26cb24d979641616aac73b64e2d',
    );
  });

  it('sends the timestamp and the signature of the exact body in hmac mode', () => {
    expect(webhookAuthHeaders('hmac', 's3cret', 1_700_000_123, body)).toEqual({
      [TIMESTAMP_HEADER]: '1700000123',
      [SIGNATURE_HEADER]: webhookSignature('s3cret', 1_700_000_123, body),
    });
  });

  it('sends the secret as a bearer token in bearer mode', () => {
    expect(webhookAuthHeaders('bearer', 's3cret', 1_700_000_123, body)).toEqual({ authorization: 'Bearer s3cret' });
  });

  it('tampers with the signature or the token, keeping the shape', () => {
    const good = webhookAuthHeaders('hmac', 's3cret', 1_700_000_123, body);
    const bad = webhookAuthHeaders('hmac', 's3cret', 1_700_000_123, body, true);

    expect(bad[TIMESTAMP_HEADER]).toBe(good[TIMESTAMP_HEADER]);
    expect(bad[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(bad[SIGNATURE_HEADER]).not.toBe(good[SIGNATURE_HEADER]);
    expect(webhookAuthHeaders('bearer', 's3cret', 0, body, true).authorization).not.toBe('Bearer s3cret');
  });
});
