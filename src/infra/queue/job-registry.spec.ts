import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { JobHandler } from './job-handler.decorator';
import { JobRegistry } from './job-registry';
import { JobName } from './queue.constants';

describe('JobRegistry.check', () => {
  const everyJobHandledOnce = (): Map<string, string[]> =>
    new Map(Object.values(JobName).map((name) => [name as string, [`Handler.${name}`]]));

  it('accepts exactly one handler per job name', () => {
    expect(JobRegistry.check(everyJobHandledOnce())).toEqual([]);
  });

  it('names a job without a handler', () => {
    const found = everyJobHandledOnce();
    found.delete(JobName.PurgeExpiredIdempotencyRecords);
    expect(JobRegistry.check(found)).toEqual([`job "${JobName.PurgeExpiredIdempotencyRecords}" has no handler`]);
  });

  it('names a job with two handlers and both of them', () => {
    const found = everyJobHandledOnce();
    found.set(JobName.PurgeExpiredIdempotencyRecords, ['A.purge', 'B.purge']);
    expect(JobRegistry.check(found)).toEqual([
      `job "${JobName.PurgeExpiredIdempotencyRecords}" has 2 handlers: A.purge, B.purge`,
    ]);
  });

  it('rejects handlers for job names nobody declared', () => {
    const found = everyJobHandledOnce();
    found.set('made.up', ['X.y']);
    expect(JobRegistry.check(found)).toEqual(['X.y handles unknown job "made.up"']);
  });
});

describe('JobRegistry at start-up', () => {
  @Injectable()
  class FirstPurger {
    @JobHandler(JobName.PurgeExpiredIdempotencyRecords)
    purge(): Promise<string> {
      return Promise.resolve('first');
    }
  }

  @Injectable()
  class SecondPurger {
    @JobHandler(JobName.PurgeExpiredIdempotencyRecords)
    purgeToo(): Promise<string> {
      return Promise.resolve('second');
    }
  }

  const boot = async (...providers: Array<new () => object>) => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [JobRegistry, ...providers],
    }).compile();
    await moduleRef.init();
    return moduleRef;
  };

  it('finds decorated provider methods and calls them bound to their instance', async () => {
    const moduleRef = await boot(FirstPurger);
    const handler = moduleRef.get(JobRegistry).get(JobName.PurgeExpiredIdempotencyRecords);
    expect(handler?.owner).toBe('FirstPurger.purge');
    await expect(handler?.fn({} as never)).resolves.toBe('first');
  });

  it('refuses to start when a job has two handlers, naming both', async () => {
    await expect(boot(FirstPurger, SecondPurger)).rejects.toThrow(
      `job "${JobName.PurgeExpiredIdempotencyRecords}" has 2 handlers: FirstPurger.purge, SecondPurger.purgeToo`,
    );
  });

  it('refuses to start when a job has no handler', async () => {
    await expect(boot()).rejects.toThrow(`job "${JobName.PurgeExpiredIdempotencyRecords}" has no handler`);
  });
});
