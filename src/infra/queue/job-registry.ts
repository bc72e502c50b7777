import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Job } from 'bullmq';
import { JOB_HANDLER_METADATA } from './job-handler.decorator';
import { JobName } from './queue.constants';

export type JobHandlerFn = (job: Job, token?: string) => Promise<unknown>;

interface RegisteredHandler {
  fn: JobHandlerFn;
  owner: string;
}

/**
 * Finds every @JobHandler method at start-up and checks the invariant that each JobName has exactly one handler;
 * a missing or duplicate handler stops the boot with a message naming the job.
 */
@Injectable()
export class JobRegistry implements OnModuleInit {
  private readonly logger = new Logger(JobRegistry.name);
  private readonly handlers = new Map<string, RegisteredHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const found = new Map<string, string[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const name = this.reflector.get<string | undefined>(JOB_HANDLER_METADATA, fn as () => unknown);
        if (!name) continue;
        const owner = `${instance.constructor.name}.${method}`;
        found.set(name, [...(found.get(name) ?? []), owner]);
        this.handlers.set(name, { fn: (fn as JobHandlerFn).bind(instance), owner });
      }
    }
    const problems = JobRegistry.check(found);
    if (problems.length > 0) throw new Error(`Job handler check failed:\n  - ${problems.join('\n  - ')}`);
    this.logger.log(`${this.handlers.size} job handlers registered`);
  }

  /** The invariant, separately testable: every JobName handled exactly once, and nothing else handled. */
  static check(found: Map<string, string[]>): string[] {
    const problems: string[] = [];
    const known = new Set<string>(Object.values(JobName));
    for (const name of known) {
      const owners = found.get(name) ?? [];
      if (owners.length === 0) problems.push(`job "${name}" has no handler`);
      if (owners.length > 1) problems.push(`job "${name}" has ${owners.length} handlers: ${owners.join(', ')}`);
    }
    for (const [name, owners] of found) {
      if (!known.has(name)) problems.push(`${owners.join(', ')} handles unknown job "${name}"`);
    }
    return problems;
  }

  get(name: string): RegisteredHandler | undefined {
    return this.handlers.get(name);
  }
}
