import { GroupCommit } from './group-commit';

/** A store whose statements the test can see: each call of `many` or `single` is one statement. */
function store(failWhen: (items: number[]) => boolean = () => false) {
  const statements: number[][] = [];
  /** Each statement takes 20 ms. */
  const later = <T>(value: () => Promise<T>): Promise<T> =>
    new Promise((resolve) => setTimeout(resolve, 20)).then(value);
  const commit = new GroupCommit<number, string>({
    many: (items) => {
      statements.push(items);
      return later(() =>
        failWhen(items) ? Promise.reject(new Error('batch failed')) : Promise.resolve(items.map((i) => `ok ${i}`)),
      );
    },
    single: (item) => {
      statements.push([item]);
      return later(() =>
        item === 13 ? Promise.reject(new Error(`row ${item} is bad`)) : Promise.resolve(`ok ${item}`),
      );
    },
    windowMs: 0,
    maxItems: 4,
    maxInFlight: 1,
  });
  return { statements, commit };
}

describe('GroupCommit', () => {
  it('writes items that arrive together in one statement, and answers each caller its own item', async () => {
    const { statements, commit } = store();
    const answers = await Promise.all([1, 2, 3].map((i) => commit.write(i)));
    expect(answers).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(statements).toEqual([[1, 2, 3]]);
  });

  it('gathers what arrives while a batch is being written into the next statement', async () => {
    const { statements, commit } = store();
    const first = commit.write(1);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the first batch is being written (maxInFlight 1)
    const rest = [2, 3].map((i) => commit.write(i));
    expect(await Promise.all([first, ...rest])).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(statements).toEqual([[1], [2, 3]]);
  });

  it('never puts more than maxItems in a statement, and writes the rest after it', async () => {
    const { statements, commit } = store();
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => commit.write(i)));
    expect(answers).toEqual([1, 2, 3, 4, 5, 6].map((i) => `ok ${i}`));
    expect(statements).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it('writes a failed batch item by item, so only the bad item fails', async () => {
    const { statements, commit } = store((items) => items.includes(13));
    const settled = await Promise.allSettled([12, 13, 14].map((i) => commit.write(i)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      'ok 12',
      'row 13 is bad',
      'ok 14',
    ]);
    expect(statements).toEqual([[12, 13, 14], [12], [13], [14]]);
  });
});
