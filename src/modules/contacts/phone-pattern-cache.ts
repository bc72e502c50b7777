import { dirname, join } from 'node:path';

/** The most patterns kept; libphonenumber's metadata holds about 1,300 distinct strings, so this never binds. */
const MAX_PATTERNS = 5000;

type Matcher = (text: string | undefined, pattern: string) => boolean;
interface MatcherModule {
  default: Matcher;
}

/** The helper of libphonenumber-js that matches a number against a pattern of its metadata. */
function matcherModule(): MatcherModule | null {
  try {
    const root = dirname(require.resolve('libphonenumber-js/package.json'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file outside the package's exports, by path
    const loaded = require(join(root, 'build', 'helpers', 'matchesEntirely.js')) as Partial<MatcherModule>;
    return typeof loaded?.default === 'function' ? (loaded as MatcherModule) : null;
  } catch {
    return null;
  }
}

const compiled = new Map<string, RegExp>();

/** `^(?:pattern)$` against `text`, the helper's contract, with each pattern compiled once. */
function matchesEntirely(text: string | undefined, pattern: string): boolean {
  let regExp = compiled.get(pattern);
  if (!regExp) {
    regExp = new RegExp(`^(?:${pattern})$`);
    if (compiled.size < MAX_PATTERNS) compiled.set(pattern, regExp);
  }
  return regExp.test(text || '');
}

/**
 * libphonenumber-js builds a new RegExp for every pattern it tries (`helpers/matchesEntirely`): a +1 number is tried
 * against the numbering plan of each country that shares the code, then against each number type. That was half of
 * phone validation's CPU in a 50,000-recipient intake; with each pattern compiled once, validation takes about half
 * the time (micro-benchmark: 640 → 310 ms for 50,000 numbers). The patterns come from the bundled metadata, a bounded
 * set, and a RegExp without the g or y flag keeps no state between tests, so one instance serves every call.
 *
 * The package's CommonJS build calls the helper through its module object (`_matchesEntirely.default(...)`) at each
 * call, so replacing that export is enough. The file is not one of the package's exports and could move in a new
 * version: then nothing is replaced and validation is as correct as before, only slower. `phone-pattern-cache.spec`
 * fails in that case, so an upgrade does not lose the cache unnoticed. Returns whether the cache is in place.
 */
export function installPhonePatternCache(): boolean {
  const module = matcherModule();
  if (!module) return false;
  if (module.default !== matchesEntirely) module.default = matchesEntirely;
  return true;
}

/** Whether libphonenumber currently matches through the cache, and how many patterns it holds (for the spec). */
export function phonePatternCacheState(): { installed: boolean; patterns: number } {
  return { installed: matcherModule()?.default === matchesEntirely, patterns: compiled.size };
}
