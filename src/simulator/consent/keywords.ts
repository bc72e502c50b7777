/** Keywords that opt an SMS number out of a channel, and back in (the carrier-standard set, CTIA). */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;

export type ConsentKeyword = (typeof OPT_OUT_KEYWORDS)[number] | (typeof OPT_IN_KEYWORDS)[number];

export interface KeywordMatch {
  action: 'optOut' | 'optIn';
  keyword: ConsentKeyword;
}

const OUT: ReadonlySet<string> = new Set(OPT_OUT_KEYWORDS);
const IN: ReadonlySet<string> = new Set(OPT_IN_KEYWORDS);

/**
 * The consent keyword a whole message is, if any: compared after trimming, ignoring case and punctuation or symbols
 * anywhere ("Stop!", " s.t.o.p ", "STOP." all match STOP). The message must be the keyword alone: "stop it" or
 * "STOP ALL" (with a space) are ordinary messages.
 */
export function consentKeyword(text: string): KeywordMatch | null {
  const word = text
    .replace(/[\p{P}\p{S}]/gu, '')
    .trim()
    .toUpperCase();
  if (OUT.has(word)) return { action: 'optOut', keyword: word as ConsentKeyword };
  if (IN.has(word)) return { action: 'optIn', keyword: word as ConsentKeyword };
  return null;
}
