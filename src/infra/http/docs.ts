import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// absolute-path.js, not the package root: the root loads the whole browser bundle into every process.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Threadline API</title>
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/docs/json', dom_id: '#swagger-ui', persistAuthorization: true });`;

/**
 * OpenAPI at /docs (UI) and /docs/json (document), served offline from swagger-ui-dist. We serve the three UI files
 * ourselves because @nestjs/swagger's UI needs @fastify/static, whose supported versions conflict with
 * @nestjs/platform-fastify 11.2's; the document itself still comes from @nestjs/swagger.
 */
export function setupDocs(app: NestFastifyApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('Threadline')
    .setDescription(
      'Proactive alerts through NICE CXone DFO and Bring Your Own Channel middleware. Admin routes take an API key ' +
        '(`Authorization: Bearer tl_…` or `X-API-Key`); errors are `{statusCode, error, message, details?, requestId}`.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Admin API key (tl_…)' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { ui: false, raw: ['json'], jsonDocumentUrl: 'docs/json' });

  const fastify = app.getHttpAdapter().getInstance();
  const root = getAbsoluteFSPath();
  const assets = new Map(
    Object.entries(ASSETS).map(([file, type]) => [file, { type, body: readFileSync(join(root, file)) }]),
  );
  fastify.get('/docs', (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  fastify.get('/docs/assets/init.js', (_req, reply) => reply.type('application/javascript; charset=utf-8').send(INIT));
  fastify.get<{ Params: { file: string } }>('/docs/assets/:file', (req, reply) => {
    const asset = assets.get(req.params.file);
    if (!asset)
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such asset', requestId: req.id });
    return reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(asset.body);
  });
}
