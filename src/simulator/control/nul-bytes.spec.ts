import { findNulByte } from './nul-bytes';

describe('findNulByte', () => {
  it('finds a NUL byte in a value, an array item or a key, naming its path', () => {
    expect(findNulByte({ channelId: 'sms', text: 'hi\u0000' })).toBe('text');
    expect(findNulByte({ agent: { firstName: '\u0000Sam' } })).toBe('agent.firstName');
    expect(findNulByte({ faultOperations: ['outbound', 'token\u0000'] })).toBe('faultOperations[1]');
    expect(findNulByte({ 'bad\u0000key': 1 })).toBe('bad\u0000key');
    expect(findNulByte('raw\u0000')).toBe('body');
  });

  it('accepts bodies without one', () => {
    expect(findNulByte({ text: 'STOP', n: 1, ok: true, none: null, list: [{ a: 'b' }] })).toBeNull();
    expect(findNulByte(undefined)).toBeNull();
  });
});
