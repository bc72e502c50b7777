import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { NotFoundError } from '@/infra/errors/domain-error';

export interface StaticFile {
  type: string;
  path: () => string;
  /** Versioned files (a library named by its pinned version) may be cached; a page's own files are revalidated. */
  immutable?: boolean;
}

/**
 * A fixed set of public files (a page's HTML, CSS and JS) served from memory after the first read: only the names
 * listed are readable (own properties only, so `constructor` or `../x` are 404s), each with its type, the page's CSP,
 * `nosniff` and `no-referrer`.
 */
export class StaticFiles {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly files: Readonly<Record<string, StaticFile>>,
    private readonly csp: string,
    /** What the files are, for the 404 message ("the console"). */
    private readonly what: string,
  ) {}

  send(reply: FastifyReply, name: string): void {
    const file = Object.hasOwn(this.files, name) ? this.files[name] : undefined;
    if (!file) throw new NotFoundError(`no file ${name} in ${this.what}`);
    let body = this.cache.get(name);
    if (!body) {
      body = readFileSync(file.path());
      this.cache.set(name, body);
    }
    void reply
      .code(200)
      .header('content-type', file.type)
      .header('cache-control', file.immutable ? 'public, max-age=86400' : 'no-cache')
      .header('content-security-policy', this.csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(body);
  }
}
