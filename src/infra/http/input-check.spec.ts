import { findJsonProblem, MAX_JSON_DEPTH, MAX_JSON_PROPERTIES, textProblem } from './input-check';

describe('findJsonProblem', () => {
  it('finds nothing in ordinary JSON, astral characters included', () => {
    expect(findJsonProblem({ a: [1, 'x', { b: null, c: true }], emoji: '😀 ok' }, 'body')).toBeNull();
  });

  it('names the path of a string holding a NUL or a lone surrogate, in document order', () => {
    expect(findJsonProblem({ a: 'ok', recipients: [{ to: '1' }, { to: 'x\u0000' }], z: '\ud800' }, 'body')).toEqual({
      field: 'recipients[1].to',
      problem: expect.stringContaining('NUL') as string,
    });
    expect(findJsonProblem({ content: { text: 'a\udc00b' } }, 'body')).toEqual({
      field: 'content.text',
      problem: expect.stringContaining('lone surrogate') as string,
    });
  });

  it('names the object whose property name is bad, or the root', () => {
    expect(findJsonProblem({ customFields: { 'a\u0000': 'x' } }, 'body')?.field).toBe('customFields');
    expect(findJsonProblem({ 'b\ud800': 1 }, 'query')?.field).toBe('query');
  });

  it(`refuses an object with more than ${MAX_JSON_PROPERTIES} properties, naming it`, () => {
    const many = (n: number): Record<string, number> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(findJsonProblem({ content: many(MAX_JSON_PROPERTIES) }, 'body')).toBeNull();
    expect(findJsonProblem({ content: many(MAX_JSON_PROPERTIES + 1) }, 'body')).toEqual({
      field: 'content',
      problem: `has more than ${MAX_JSON_PROPERTIES} properties`,
    });
  });

  it('checks a bare string body', () => {
    expect(findJsonProblem('\u0000', 'body')?.field).toBe('body');
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels, however deep, without recursion`, () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findJsonProblem({ content: deep }, 'body')?.problem).toBe(
      `is nested more than ${MAX_JSON_DEPTH} levels deep`,
    );

    let exact: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH; i++) exact = { n: exact };
    expect(findJsonProblem(exact, 'body')).toBeNull();
    expect(findJsonProblem({ n: exact }, 'body')).not.toBeNull();
  });
});

describe('textProblem', () => {
  it('accepts well-formed text and refuses NUL and lone surrogates of either half', () => {
    expect(['plain', 'ünïcödé', '\ud83d\ude00'].map(textProblem)).toEqual([null, null, null]);
    expect(['\u0000', 'a\ud800', '\udfffb'].map((t) => textProblem(t) !== null)).toEqual([true, true, true]);
  });
});
