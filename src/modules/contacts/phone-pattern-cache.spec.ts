import { dirname, join } from 'node:path';
import { getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import examples from 'libphonenumber-js/examples.mobile.json';
import { installPhonePatternCache, phonePatternCacheState } from './phone-pattern-cache';

/** Every country's example mobile number, and variants one digit shorter, longer and changed. */
function sampleNumbers(): string[] {
  const numbers: string[] = [];
  for (const country of Object.keys(examples)) {
    const example = getExampleNumber(country as never, examples)?.number;
    if (!example) continue;
    const last = Number(example.slice(-1));
    numbers.push(example, example.slice(0, -1), `${example}7`, `${example.slice(0, -1)}${(last + 1) % 10}`);
    numbers.push(`${example.slice(0, 3)}0${example.slice(4)}`);
  }
  return numbers;
}

/** What validation says of each number: valid or not, its type and its country. */
function verdicts(numbers: string[]): string[] {
  return numbers.map((n) => {
    const phone = parsePhoneNumberFromString(n);
    return `${n} ${phone ? `${phone.isValid()} ${phone.getType() ?? '-'} ${phone.country ?? '-'}` : 'unparsed'}`;
  });
}

describe('phone pattern cache', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file outside the package's exports, by path
  const helper = require(
    join(dirname(require.resolve('libphonenumber-js/package.json')), 'build', 'helpers', 'matchesEntirely.js'),
  ) as { default: unknown };

  it('gives every number the verdict libphonenumber gives without it', () => {
    const original = helper.default;
    const numbers = sampleNumbers();
    expect(numbers.length).toBeGreaterThan(1000);
    const without = verdicts(numbers);
    expect(installPhonePatternCache()).toBe(true);
    try {
      const withCache = verdicts(numbers);
      const differing = withCache.flatMap((v, i) => (v === without[i] ? [] : [`${without[i]} → ${v}`]));
      expect(differing).toEqual([]);
      expect(phonePatternCacheState()).toEqual({ installed: true, patterns: expect.any(Number) as number });
      expect(phonePatternCacheState().patterns).toBeGreaterThan(100);
    } finally {
      helper.default = original;
    }
  });

  it('is in place once addresses are validated (fails if a libphonenumber-js upgrade moved its matcher)', async () => {
    await import('./address');
    expect(phonePatternCacheState().installed).toBe(true);
    const { normalizeAddress } = await import('./address');
    expect(normalizeAddress('SMS', '+1 202-555-0143')).toEqual({ ok: true, address: '+12025550143' });
  });
});
