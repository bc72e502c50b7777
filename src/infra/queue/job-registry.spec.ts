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
  /** A provider class with one @JobHandler method per given job name. */
  const handlersFor = (className: string, names: JobName[]): new () => object => {
    const cls = { [className]: class {} }[className];
    for (const name of names) {
      const method = `handle_${name.replace(/\W/g, '_')}`;
      Object.defineProperty(cls.prototype, method, {
        value: () => Promise.resolve(`${className} ran ${name}`),
        writable: true,
      });
      JobHandler(name)(cls.prototype, method, Object.getOwnPropertyDescriptor(cls.prototype, method)!);
    }
    Injectable()(cls);
    return cls;
  };
  const all = Object.values(JobName);
  const boot = async (...providers: Array<new () => object>) => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [JobRegistry, ...providers],
    }).compile();
    await moduleRef.init();
    return moduleRef;
  };

  it('finds decorated provider methods and calls them bound to their instance', async () => {
    const moduleRef = await boot(handlersFor('Everything', all));
    const handler = moduleRef.get(JobRegistry).get(JobName.PurgeExpiredIdempotencyRecords);
    expect(handler?.owner).toBe('Everything.handle_housekeeping_purge_idempotency_records');
    await expect(handler?.fn({} as never)).resolves.toBe(`Everything ran ${JobName.PurgeExpiredIdempotencyRecords}`);
  });

  it('refuses to start when a job has two handlers, naming both', async () => {
    await expect(boot(handlersFor('Everything', all), handlersFor('Again', [JobName.SendToRecipient]))).rejects.toThrow(
      `job "${JobName.SendToRecipient}" has 2 handlers: Everything.handle_dispatch_send, Again.handle_dispatch_send`,
    );
  });

  it('refuses to start when a job has no handler', async () => {
    await expect(
      boot(
        handlersFor(
          'Most',
          all.filter((n) => n !== JobName.SweepCampaigns),
        ),
      ),
    ).rejects.toThrow(`job "${JobName.SweepCampaigns}" has no handler`);
  });
});
