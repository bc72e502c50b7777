import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { join } from 'node:path';
import { Public } from '@/infra/auth/auth.decorators';
import { StaticFile, StaticFiles } from '@/infra/http/static-files';
import { projectRoot } from '@/infra/project-root';

const own =
  (file: string): (() => string) =>
  () =>
    join(projectRoot(), 'public', 'widget', file);

/** Every file the demo serves: nothing else under /widget/demo is readable. */
const FILES: Record<string, StaticFile> = {
  'index.html': { type: 'text/html; charset=utf-8', path: own('index.html') },
  'widget.js': { type: 'text/javascript; charset=utf-8', path: own('widget.js') },
  'widget.css': { type: 'text/css; charset=utf-8', path: own('widget.css') },
};
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

/** The reference chat widget (plain HTML, CSS and JS in public/widget), at /widget/demo. */
@ApiExcludeController()
@Controller('widget/demo')
export class WidgetDemoController {
  private readonly files = new StaticFiles(FILES, CSP, 'the demo widget');

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

  private send(reply: FastifyReply, file: string): void {
    this.files.send(reply, file);
  }
}
