import { AppConfig } from '@/config';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(AppConfig.load({}, { NODE_ENV: 'test', CREDENTIALS_ENCRYPTION_KEY: 'a'.repeat(64) }));

  it('round-trips a secret and never stores it in the clear', () => {
    const sealed = box.seal('client-secret-123');
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('client-secret-123');
    expect(box.open(sealed)).toBe('client-secret-123');
  });

  it('encrypts the same secret differently each time', () => {
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('refuses a tampered or foreign ciphertext', () => {
    const sealed = box.seal('secret');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => box.open(tampered)).toThrow();
    const other = new SecretBox(AppConfig.load({}, { NODE_ENV: 'test', CREDENTIALS_ENCRYPTION_KEY: 'b'.repeat(64) }));
    expect(() => other.open(sealed)).toThrow();
  });
});
