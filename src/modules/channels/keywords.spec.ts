import { DEFAULT_KEYWORDS, keywordOf, normalizeKeyword } from './keywords';

const defaults = { optOutKeywords: [], optInKeywords: [], helpKeywords: [] };

describe('customer keywords', () => {
  it.each([
    ['STOP', 'opt_out'],
    ['stop', 'opt_out'],
    ['  Stop!  ', 'opt_out'],
    ['S.T.O.P', 'opt_out'],
    ['Unsubscribe.', 'opt_out'],
    ['arrêt', 'opt_out'],
    ['Baja', 'opt_out'],
    ['STOPALL', 'opt_out'],
    ['start', 'opt_in'],
    ['Unstop', 'opt_in'],
    ['yes', 'opt_in'],
    ['HELP', 'help'],
    ['help?', 'help'],
    ['Ayuda', 'help'],
    ['stop it', null],
    ['please stop', null],
    ['STOPPING', null],
    ['', null],
    ['!!!', null],
    ['HELP me with my flight, it was cancelled and I need to rebook', null],
  ])('%j is %s', (text, kind) => {
    expect(keywordOf(text, defaults)).toBe(kind);
  });

  it("uses a channel's own lists instead of the defaults", () => {
    const channel = { optOutKeywords: ['PARE'], optInKeywords: ['VOLTAR'], helpKeywords: ['SOCORRO'] };
    expect(['pare', 'STOP', 'voltar', 'start', 'socorro', 'help'].map((t) => keywordOf(t, channel))).toEqual([
      'opt_out',
      null,
      'opt_in',
      null,
      'help',
      null,
    ]);
  });

  it('normalises case, accents and punctuation, and every default is already normal', () => {
    expect(normalizeKeyword(' Arrêt ! ')).toBe('ARRET');
    const all = [...DEFAULT_KEYWORDS.optOut, ...DEFAULT_KEYWORDS.optIn, ...DEFAULT_KEYWORDS.help];
    expect(all.filter((k) => normalizeKeyword(k) !== k)).toEqual([]);
    expect(all.filter((k, i) => all.indexOf(k) !== i)).toEqual([]);
  });
});
