/**
 * Customer keywords: a message that is only a keyword (trimmed, any case, punctuation and accents ignored: "Stop!",
 * "arrêt" count; "stop it" does not) opts the customer out or in, or asks for help. Each channel may set its own
 * lists; an empty list means these defaults, which cover the carrier-mandated English words (CTIA / TCPA) and their
 * common forms in French, Spanish, Portuguese, German and Italian.
 */
export const DEFAULT_KEYWORDS = {
  optOut: [
    'STOP',
    'STOPALL',
    'UNSUBSCRIBE',
    'CANCEL',
    'END',
    'QUIT',
    'ARRET', // fr (arrêt)
    'ARRETER',
    'DESABONNER',
    'BAJA', // es
    'PARAR',
    'CANCELAR',
    'SAIR', // pt
    'STOPP', // de
    'ABMELDEN',
    'BASTA', // it
  ],
  optIn: ['START', 'UNSTOP', 'YES', 'SUBSCRIBE', 'OUI', 'SI', 'SIM', 'JA'],
  help: ['HELP', 'INFO', 'AIDE', 'AYUDA', 'AJUDA', 'HILFE', 'AIUTO'],
} as const;

export type KeywordKind = 'opt_out' | 'opt_in' | 'help';

export interface ChannelKeywords {
  optOutKeywords: readonly string[];
  optInKeywords: readonly string[];
  helpKeywords: readonly string[];
}

/** What a keyword list entry and a customer message are compared as: letters and digits only, upper case, no accents. */
export function normalizeKeyword(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toUpperCase();
}

/** The keyword `text` is, on a channel with these lists (empty lists: the defaults); null when it is not one. */
export function keywordOf(text: string, channel: ChannelKeywords): KeywordKind | null {
  // a keyword is a short message on its own; a long text that happens to normalise to one is not
  if (text.length > 40) return null;
  const word = normalizeKeyword(text);
  if (!word) return null;
  const lists: Array<[KeywordKind, readonly string[]]> = [
    ['opt_out', channel.optOutKeywords.length ? channel.optOutKeywords : DEFAULT_KEYWORDS.optOut],
    ['opt_in', channel.optInKeywords.length ? channel.optInKeywords : DEFAULT_KEYWORDS.optIn],
    ['help', channel.helpKeywords.length ? channel.helpKeywords : DEFAULT_KEYWORDS.help],
  ];
  for (const [kind, list] of lists) if (list.some((k) => normalizeKeyword(k) === word)) return kind;
  return null;
}
