import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '@/infra/auth/auth.decorators';
import { NotFoundError } from '@/infra/errors/domain-error';
import { projectRoot } from '@/infra/project-root';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'widget.js': 'text/javascript; charset=utf-8',
  'widget.css': 'text/css; charset=utf-8',
};
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

/** The reference chat widget (plain HTML, CSS and JS in public/widget), at /widget/demo. */
@ApiExcludeController()
@Controller('widget/demo')
export class WidgetDemoController {
  private readonly files = new Map<string, Buffer>();

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
    const type = FILES[file];
    if (!type) throw new NotFoundError(`no file ${file} in the demo widget`);
    let body = this.files.get(file);
    if (!body) {
      body = readFileSync(join(projectRoot(), 'public', 'widget', file));
      this.files.set(file, body);
    }
    void reply
      .code(200)
      .header('content-type', type)
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .send(body);
  }
}
