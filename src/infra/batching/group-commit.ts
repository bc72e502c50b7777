import type { MetricsService } from '@/infra/metrics/metrics.service';

/**
 * Group commit: concurrent callers' items are written by one statement instead of one statement each. An item that
 * finds a batch slot free waits only for the callers of the same turn of the event loop (or `windowMs`); while every
 * slot is busy (at most `maxInFlight` batches are written at once), the next batch gathers and goes out as soon as a
 * slot frees, so batches grow with the load and an idle system adds no wait. A batch that fails as a whole (one bad row,
 * a deadlock with another process) is written item by item with `single`, so one item's failure is its own only.
 *
 * Every caller gets its own item's answer, and an item is never lost: it is in exactly one batch, whose statement
 * either answers for it or throws, and then `single` answers or throws for it alone.
 */
export interface GroupCommitOptions<I, O> {
  /** Writes a batch; answers in the items' order (one answer per item). */
  many: (items: I[]) => Promise<O[]>;
  /** Writes one item: for a batch that failed as a whole. */
  single: (item: I) => Promise<O>;
  /** How long the first item of a batch waits for others when a slot is free (ms); 0: until this turn of the event loop ends. */
  windowMs: number;
  /** A batch is written at once when it has this many items. */
  maxItems: number;
  /** Batches written at the same time (the rest wait their turn, gathering items). */
  maxInFlight: number;
  /** Told of every batch written: its size, and whether it failed as a whole and was written item by item. */
  onBatch?: (items: number, fellBack: boolean) => void;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<I, O> {
  private gathering: Array<Waiting<I, O>> = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(private readonly options: GroupCommitOptions<I, O>) {
    if (options.maxItems < 1 || options.maxInFlight < 1) throw new RangeError('maxItems and maxInFlight must be ≥ 1');
  }

  write(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.gathering.push({ item, resolve, reject });
      if (this.gathering.length >= this.options.maxItems) this.flush();
      else this.flushSoon();
    });
  }

  /** Unless every batch slot is busy (a batch that ends writes what gathered), the gathering batch goes out soon. */
  private flushSoon(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      this.flush();
    };
    if (this.options.windowMs > 0) setTimeout(go, this.options.windowMs);
    else setImmediate(go);
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.gathering.length > 0) {
      const batch = this.gathering.splice(0, this.options.maxItems);
      this.inFlight++;
      void this.writeBatch(batch).finally(() => {
        this.inFlight--;
        // What gathered while every slot was busy goes out now: it has waited as long as a statement takes.
        if (this.gathering.length > 0) this.flush();
      });
    }
  }

  private async writeBatch(batch: Array<Waiting<I, O>>): Promise<void> {
    let answers: O[];
    try {
      answers =
        batch.length === 1
          ? [await this.options.single(batch[0].item)]
          : await this.options.many(batch.map((w) => w.item));
      if (answers.length !== batch.length) throw new Error(`batch of ${batch.length} answered ${answers.length}`);
    } catch (err) {
      if (batch.length === 1) {
        this.options.onBatch?.(1, false);
        batch[0].reject(err);
        return;
      }
      this.options.onBatch?.(batch.length, true);
      await Promise.all(batch.map((w) => this.options.single(w.item).then(w.resolve, (e: unknown) => w.reject(e))));
      return;
    }
    this.options.onBatch?.(batch.length, false);
    batch.forEach((w, i) => w.resolve(answers[i]));
  }
}

/**
 * Counts a group commit's statements and items (their ratio is the mean batch size) and its batches written item by
 * item, as `threadline_group_commit_*_total{writer}`.
 */
export function groupCommitMetrics(
  metrics: MetricsService,
  writer: string,
): (items: number, fellBack: boolean) => void {
  const statements = metrics.counter({
    name: 'threadline_group_commit_statements_total',
    help: 'Statements written by group commits (each for one batch of concurrent callers)',
    labelNames: ['writer'],
  });
  const items = metrics.counter({
    name: 'threadline_group_commit_items_total',
    help: 'Items written by group commits (divided by statements: the mean batch size)',
    labelNames: ['writer'],
  });
  const fallbacks = metrics.counter({
    name: 'threadline_group_commit_fallbacks_total',
    help: 'Group-commit batches that failed as a whole and were written item by item',
    labelNames: ['writer'],
  });
  return (count, fellBack) => {
    statements.inc({ writer }, fellBack ? count + 1 : 1);
    items.inc({ writer }, count);
    if (fellBack) fallbacks.inc({ writer });
  };
}

/**
 * The send path's group commits (claims, SENT records): no added wait; two batches at once per process, so one slow
 * statement does not hold every send, and what arrives meanwhile shares the next statement.
 */
export const SEND_PATH_GROUP_COMMIT = { windowMs: 0, maxItems: 200, maxInFlight: 2 } as const;
