import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { dirname, join } from 'node:path';
import { Public } from '@/infra/auth/auth.decorators';
import { StaticFile, StaticFiles } from '@/infra/http/static-files';
import { projectRoot } from '@/infra/project-root';

const own =
  (file: string): (() => string) =>
  () =>
    join(projectRoot(), 'public', 'console', file);
const uplot =
  (file: string): (() => string) =>
  () =>
    join(dirname(require.resolve('uplot/package.json')), 'dist', file);

/** Every file the console serves: nothing else under /console is readable. */
const FILES: Record<string, StaticFile> = {
  'index.html': { type: 'text/html; charset=utf-8', path: own('index.html') },
  'console.js': { type: 'text/javascript; charset=utf-8', path: own('console.js') },
  'console.css': { type: 'text/css; charset=utf-8', path: own('console.css') },
  'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', path: uplot('uPlot.iife.min.js'), immutable: true },
  'uPlot.min.css': { type: 'text/css; charset=utf-8', path: uplot('uPlot.min.css'), immutable: true },
};

/**
 * Same origin only: the console talks to this service's admin API and loads nothing from elsewhere (it works
 * offline); blob: lets it hand the rejected-rows CSV it fetched to the browser as a download.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; " +
  "base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

/**
 * The operator console (plain HTML, CSS and JS in public/console, with uPlot from node_modules), at /console. The
 * files are public and hold no secret: the operator signs in with an admin API key in the page, which keeps it in
 * session storage and sends it to the admin API like any other client.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly files = new StaticFiles(FILES, CSP, 'the console');

  @Get()
  @Public()
  page(@Res() reply: FastifyReply): void {
    this.send(reply, 'index.html');
  }

  @Get(':file')
  @Public()
  asset(@Param('file') file: string, @Res() reply: FastifyReply): void {
    this.send(reply, file === '' ? 'index.html' : file);
  }

  private send(reply: FastifyReply, name: string): void {
    this.files.send(reply, name);
  }
}
